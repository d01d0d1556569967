# Web pages built into sharemsgd: every file under web/ becomes a byte array in a generated
# C++ source (cmake/embed_web_assets.cmake) that defines node::find_asset (src/node/assets.hpp).
# web/index.html is served at "/" (the dashboard) and every file at /static/<path>.

file(GLOB_RECURSE SHAREMSG_WEB_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/web/*)
set(SHAREMSG_WEB_ASSETS_CPP ${CMAKE_BINARY_DIR}/generated/web_assets.cpp)
add_custom_command(
  OUTPUT ${SHAREMSG_WEB_ASSETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${PROJECT_SOURCE_DIR}/web -DOUT=${SHAREMSG_WEB_ASSETS_CPP}
          -P ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
  DEPENDS ${SHAREMSG_WEB_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_web_assets.cmake
  COMMENT "Embedding web/ into web_assets.cpp"
  VERBATIM)
target_sources(sharemsg_node PRIVATE ${SHAREMSG_WEB_ASSETS_CPP})

# The asset test compares what find_asset serves with the files themselves.
if(TARGET sharemsg_tests)
  target_compile_definitions(sharemsg_tests PRIVATE SHAREMSG_WEB_DIR="${PROJECT_SOURCE_DIR}/web")
endif()
