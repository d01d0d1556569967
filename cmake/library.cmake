# The installable libsharemsg: the C ABI (src/capi, include/sharemsg/sharemsg.h) over the
# protocol core, as a versioned shared library and a static one, with a CMake package
# (find_package(sharemsg) -> sharemsg::sharemsg) and a pkg-config file. Both libraries are
# made of the same position-independent objects as sharemsg_core (cmake/sources.cmake): the
# sources are compiled once.
#
# Libraries install to lib/<multiarch triplet> (Debian's layout: /usr/lib/x86_64-linux-gnu in
# the packages, where pkg-config and the linker look) whenever the compiler names a triplet.
# GNUInstallDirs picks that only for a /usr prefix, and caches plain "lib" otherwise, so a
# build tree configured before this rule is moved over once; a CMAKE_INSTALL_LIBDIR set to
# anything else is kept.
if(CMAKE_LIBRARY_ARCHITECTURE AND NOT SHAREMSG_MULTIARCH_LIBDIR_SET)
  if(NOT DEFINED CMAKE_INSTALL_LIBDIR OR CMAKE_INSTALL_LIBDIR STREQUAL "lib")
    set(CMAKE_INSTALL_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE}
      CACHE PATH "Object code libraries (lib/<multiarch triplet>)" FORCE)
  endif()
  set(SHAREMSG_MULTIARCH_LIBDIR_SET ON CACHE INTERNAL "CMAKE_INSTALL_LIBDIR was chosen once")
endif()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

file(GLOB SHAREMSG_CAPI_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/capi/*.cpp)
add_library(sharemsg_capi_objects OBJECT ${SHAREMSG_CAPI_SOURCES})
set_target_properties(sharemsg_capi_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(sharemsg_capi_objects
  PUBLIC ${PROJECT_SOURCE_DIR}/include
  PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(sharemsg_capi_objects
  PRIVATE PkgConfig::SECP256K1 OpenSSL::Crypto nlohmann_json::nlohmann_json sharemsg_warnings)
target_compile_definitions(sharemsg_capi_objects PRIVATE SHAREMSG_VERSION_STRING="${PROJECT_VERSION}")

set(SHAREMSG_LIB_OBJECTS
  $<TARGET_OBJECTS:sharemsg_core_objects> $<TARGET_OBJECTS:sharemsg_capi_objects>)
set(SHAREMSG_PUBLIC_INCLUDE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# libsharemsg.so.<major>: only the sharemsg_* functions are exported (cmake/sharemsg.map);
# the C++ core inside stays private to the library.
add_library(sharemsg_shared SHARED ${SHAREMSG_LIB_OBJECTS})
set_target_properties(sharemsg_shared PROPERTIES
  OUTPUT_NAME sharemsg
  EXPORT_NAME sharemsg
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/sharemsg.map)
target_include_directories(sharemsg_shared PUBLIC ${SHAREMSG_PUBLIC_INCLUDE})
target_link_libraries(sharemsg_shared PRIVATE PkgConfig::SECP256K1 OpenSSL::Crypto)
target_link_options(sharemsg_shared PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/sharemsg.map)
# Sanitizer and fuzzer runtimes are linked into executables only, so a shared library built
# with them has undefined references by design.
if(NOT SHAREMSG_SANITIZE AND NOT SHAREMSG_FUZZ)
  target_link_options(sharemsg_shared PRIVATE -Wl,--no-undefined)
endif()

# libsharemsg.a: the same objects; its users link libsecp256k1, libcrypto and libstdc++ too
# (the CMake package and sharemsg.pc say so).
add_library(sharemsg_static STATIC ${SHAREMSG_LIB_OBJECTS})
set_target_properties(sharemsg_static PROPERTIES OUTPUT_NAME sharemsg EXPORT_NAME sharemsg_static)
target_include_directories(sharemsg_static PUBLIC ${SHAREMSG_PUBLIC_INCLUDE})
target_link_libraries(sharemsg_static PRIVATE PkgConfig::SECP256K1 OpenSSL::Crypto)

install(TARGETS sharemsg_shared sharemsg_static EXPORT sharemsgTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# Only the public headers: nothing under src/ is installed.
install(FILES ${PROJECT_SOURCE_DIR}/include/sharemsg/sharemsg.h
              ${PROJECT_SOURCE_DIR}/include/sharemsg/sharemsg.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sharemsg COMPONENT dev)

set(SHAREMSG_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sharemsg)
install(EXPORT sharemsgTargets NAMESPACE sharemsg:: DESTINATION ${SHAREMSG_CMAKE_DIR}
  COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sharemsgConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sharemsgConfig.cmake INSTALL_DESTINATION ${SHAREMSG_CMAKE_DIR})
# 0.x: a minor release may change the ABI (the SONAME's major stays 0), so only the same
# minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sharemsgConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sharemsgConfig.cmake
              ${PROJECT_BINARY_DIR}/sharemsgConfigVersion.cmake
  DESTINATION ${SHAREMSG_CMAKE_DIR} COMPONENT dev)

# sharemsg.pc finds its prefix relative to itself, so a staged install (--prefix, DESTDIR)
# works as well as the final one.
file(RELATIVE_PATH SHAREMSG_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/sharemsg.pc.in ${PROJECT_BINARY_DIR}/sharemsg.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sharemsg.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# The daemon and the tool.
install(TARGETS sharemsgd sharemsg RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT daemon)

# The C ABI through libsharemsg.so alone (no internal headers): tests/capi.
if(SHAREMSG_TESTS)
  file(GLOB SHAREMSG_CAPI_TEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/capi/*.cpp)
  add_executable(sharemsg_capi_tests ${SHAREMSG_CAPI_TEST_SOURCES})
  target_link_libraries(sharemsg_capi_tests PRIVATE
    sharemsg_shared nlohmann_json::nlohmann_json GTest::gtest_main Threads::Threads
    sharemsg_warnings)
  target_include_directories(sharemsg_capi_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  target_compile_definitions(sharemsg_capi_tests PRIVATE
    SHAREMSG_VECTORS_DIR="${PROJECT_SOURCE_DIR}/vectors/reference")
  gtest_discover_tests(sharemsg_capi_tests DISCOVERY_TIMEOUT 60)
endif()

# Out-of-tree consumers of a staged install (tests/package/out_of_tree.sh). Not in sanitizer
# builds: their libsharemsg.so needs the sanitizer runtime the consumers do not link.
if(SHAREMSG_TESTS AND NOT SHAREMSG_SANITIZE AND NOT SHAREMSG_FUZZ)
  add_test(NAME package_out_of_tree
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/package/out_of_tree.sh
            ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(package_out_of_tree PROPERTIES TIMEOUT 300)
endif()

# The Python binding (python/sharemsg, ctypes) over the built libsharemsg.so, with the public
# vectors, on CPython 3 and, where installed, PyPy 3.
if(SHAREMSG_TESTS AND NOT SHAREMSG_SANITIZE AND NOT SHAREMSG_FUZZ)
  foreach(interp python3 pypy3)
    find_program(SHAREMSG_${interp}_PROGRAM ${interp})
    if(SHAREMSG_${interp}_PROGRAM)
      add_test(NAME python_binding_${interp}
        COMMAND ${SHAREMSG_${interp}_PROGRAM} ${PROJECT_SOURCE_DIR}/python/tests/test_vectors.py)
      set_tests_properties(python_binding_${interp} PROPERTIES
        ENVIRONMENT "SHAREMSG_LIBRARY=$<TARGET_FILE:sharemsg_shared>")
    endif()
  endforeach()
endif()

# bench_capi calls the C ABI through libsharemsg.so beside the core it wraps.
if(TARGET bench_capi)
  target_link_libraries(bench_capi PRIVATE sharemsg_shared)
endif()

# fuzz_capi drives the C ABI through libsharemsg.so.
if(TARGET fuzz_capi)
  target_link_libraries(fuzz_capi PRIVATE sharemsg_shared)
endif()
