# Debian packages (CPack DEB, one per install component), the systemd unit and the man pages.
#   cmake --build build && (cd build && cpack -G DEB)
# gives libsharemsg0 (the shared library), libsharemsg-dev (headers, libsharemsg.so and .a,
# the CMake package, sharemsg.pc) and sharemsgd (the node, the tool, the unit, man pages).
# tests/package/deb.sh checks them.

install(FILES ${PROJECT_SOURCE_DIR}/packaging/sharemsgd.service
  DESTINATION lib/systemd/system COMPONENT daemon)

# Man pages from --help (help2man), when help2man is installed.
find_program(HELP2MAN_PROGRAM help2man)
if(HELP2MAN_PROGRAM)
  set(SHAREMSG_MAN_PAGES)
  foreach(prog sharemsgd sharemsg)
    set(page ${PROJECT_BINARY_DIR}/man/${prog}.1)
    add_custom_command(OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${HELP2MAN_PROGRAM} --no-info --no-discard-stderr
              --version-string=${PROJECT_VERSION} --output=${page} $<TARGET_FILE:${prog}>
      DEPENDS ${prog}
      COMMENT "help2man ${prog}")
    list(APPEND SHAREMSG_MAN_PAGES ${page})
  endforeach()
  add_custom_target(sharemsg_man_pages ALL DEPENDS ${SHAREMSG_MAN_PAGES})
  install(FILES ${SHAREMSG_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT daemon)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sharemsg)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sharemsg developers <sharemsg-dev@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "P2Pool share messaging")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL library dev daemon)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/frstrtr/p2pool-merged-v36")

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME libsharemsg0)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_LIBRARY_DESCRIPTION "P2Pool share messaging library
 libsharemsg verifies a V36 share's message_data under the authority rule,
 builds message_data for mined shares, and keeps the message store a pool
 node's web API serves. C ABI; only sharemsg_* symbols are exported.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsharemsg-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libsharemsg0 (= ${PROJECT_VERSION}), libsecp256k1-dev, libssl-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "P2Pool share messaging library (development files)
 Headers (sharemsg.h, the C ABI, and sharemsg.hpp, its C++ wrapper), the
 static library, the CMake package (find_package(sharemsg)) and sharemsg.pc.")

set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME sharemsgd)
set(CPACK_DEBIAN_DAEMON_PACKAGE_SECTION net)
set(CPACK_COMPONENT_DAEMON_DESCRIPTION "P2Pool share messaging node and tool
 sharemsgd follows a p2pool sharechain, verifies and stores share messages,
 and serves an HTTP API and a bulletin-board page; sharemsg derives signing
 keys, creates and verifies authority messages and talks to the API. Ships a
 hardened systemd unit (DynamicUser, StateDirectory /var/lib/sharemsgd).")

include(CPack)

# The packages' test (tests/package/deb.sh): not in sanitizer builds.
if(SHAREMSG_TESTS AND NOT SHAREMSG_SANITIZE AND NOT SHAREMSG_FUZZ)
  add_test(NAME package_deb
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/package/deb.sh ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(package_deb PROPERTIES TIMEOUT 300)
endif()
