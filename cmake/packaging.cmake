# Debian packages (CPack DEB, one per install component), the systemd unit and the man pages.
#   cmake --build build && (cd build && cpack -G DEB)
# gives libsharemsg0 (the shared library), libsharemsg-dev (headers, libsharemsg.so and .a,
# the CMake package, sharemsg.pc) and sharemsgd (the node, the tool, the unit, man pages).
# tests/package/deb.sh checks them.

install(FILES ${PROJECT_SOURCE_DIR}/packaging/sharemsgd.service
  DESTINATION lib/systemd/system COMPONENT daemon)

# The maintainer named in the packages and their changelog. The project has no mailing
# address: set this to yours when you publish packages (lintian's bogus-mail-host is
# overridden for the default, see packaging/deb/lintian-overrides.in).
set(SHAREMSG_PACKAGE_CONTACT "sharemsg developers <sharemsg-dev@localhost>"
  CACHE STRING "Maintainer of the Debian packages (Name <address>)")

find_program(GZIP_PROGRAM gzip REQUIRED)

# Man pages from --help (help2man), when help2man is installed, compressed as Debian wants
# (gzip -9n: no name or time stamp, so the same page gives the same bytes).
find_program(HELP2MAN_PROGRAM help2man)
if(HELP2MAN_PROGRAM)
  set(SHAREMSG_MAN_PAGES)
  set(SHAREMSG_MAN_NAME_sharemsgd "P2Pool share messaging node (sharechain peer, message store, HTTP API)")
  set(SHAREMSG_MAN_NAME_sharemsg "P2Pool share messaging tool (signing keys, authority messages, API client)")
  foreach(prog sharemsgd sharemsg)
    set(page ${PROJECT_BINARY_DIR}/man/${prog}.1)
    add_custom_command(OUTPUT ${page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${HELP2MAN_PROGRAM} --no-info --no-discard-stderr
              --version-string=${PROJECT_VERSION} "--name=${SHAREMSG_MAN_NAME_${prog}}"
              --output=${page} $<TARGET_FILE:${prog}>
      COMMAND ${GZIP_PROGRAM} -9nf ${page}
      DEPENDS ${prog}
      COMMENT "help2man ${prog}"
      VERBATIM)
    list(APPEND SHAREMSG_MAN_PAGES ${page}.gz)
  endforeach()
  add_custom_target(sharemsg_man_pages ALL DEPENDS ${SHAREMSG_MAN_PAGES})
  install(FILES ${SHAREMSG_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT daemon)
endif()

# Each package's /usr/share/doc/<package>: copyright and the (native) changelog.gz; and its
# lintian overrides, each with its reason.
configure_file(${PROJECT_SOURCE_DIR}/packaging/deb/changelog.in
  ${PROJECT_BINARY_DIR}/deb/changelog @ONLY)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/deb/changelog.gz
  COMMAND ${GZIP_PROGRAM} -9nkf ${PROJECT_BINARY_DIR}/deb/changelog
  DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog
  COMMENT "changelog.gz of the Debian packages")
add_custom_target(sharemsg_deb_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog.gz)
foreach(pkg_comp libsharemsg0:library libsharemsg-dev:dev sharemsgd:daemon)
  string(REPLACE ":" ";" pkg_comp ${pkg_comp})
  list(GET pkg_comp 0 pkg)
  list(GET pkg_comp 1 comp)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/copyright
                ${PROJECT_BINARY_DIR}/deb/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg} COMPONENT ${comp})
  set(SHAREMSG_DEB_PACKAGE ${pkg})
  configure_file(${PROJECT_SOURCE_DIR}/packaging/deb/lintian-overrides.in
    ${PROJECT_BINARY_DIR}/deb/${pkg}.lintian-overrides @ONLY)
  file(READ ${PROJECT_BINARY_DIR}/deb/${pkg}.lintian-overrides overrides)
  if(pkg STREQUAL libsharemsg0)
    file(READ ${PROJECT_SOURCE_DIR}/packaging/deb/libsharemsg0.lintian-overrides extra)
    file(WRITE ${PROJECT_BINARY_DIR}/deb/${pkg}.lintian-overrides "${overrides}${extra}")
  endif()
  install(FILES ${PROJECT_BINARY_DIR}/deb/${pkg}.lintian-overrides
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME ${pkg} COMPONENT ${comp})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sharemsg)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${SHAREMSG_PACKAGE_CONTACT}")
set(CPACK_STRIP_FILES ON)
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
# shlibs, so that packages built against libsharemsg0 depend on it (CPack writes them for
# the package that holds the shared object itself, not its -dev link); the ldconfig trigger
# (packaging/deb/triggers) runs ldconfig when the library is installed or removed.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/deb/triggers)
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
