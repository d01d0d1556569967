# Library layers. Each layer's sources are listed by directory so that adding a
# file needs no edit here; layers only depend downwards (see docs/architecture.md).

file(GLOB SHAREMSG_CORE_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/src/util/*.cpp
  ${PROJECT_SOURCE_DIR}/src/crypto/*.cpp
  ${PROJECT_SOURCE_DIR}/src/proto/*.cpp
  ${PROJECT_SOURCE_DIR}/src/chain/*.cpp
  ${PROJECT_SOURCE_DIR}/src/p2p/*.cpp
  ${PROJECT_SOURCE_DIR}/src/musig/*.cpp)

# libsharemsg: protocol core, no sockets, threads, files or clocks of its own.
# Compiled once, position-independent, as an object library: the same objects make the
# static sharemsg_core the rest of the build links, and the installed shared and static
# libsharemsg (cmake/install.cmake).
add_library(sharemsg_core_objects OBJECT ${SHAREMSG_CORE_SOURCES})
set_target_properties(sharemsg_core_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(sharemsg_core_objects PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(sharemsg_core_objects
  PUBLIC PkgConfig::SECP256K1 OpenSSL::Crypto nlohmann_json::nlohmann_json
  PRIVATE sharemsg_warnings)
add_library(sharemsg_core STATIC $<TARGET_OBJECTS:sharemsg_core_objects>)
target_include_directories(sharemsg_core PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(sharemsg_core
  PUBLIC PkgConfig::SECP256K1 OpenSSL::Crypto nlohmann_json::nlohmann_json)

# Conformance runner: reads vector files; shared by the CLI and the tests.
file(GLOB SHAREMSG_CONFORMANCE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/conformance/*.cpp)
add_library(sharemsg_conformance STATIC ${SHAREMSG_CONFORMANCE_SOURCES})
target_link_libraries(sharemsg_conformance PUBLIC sharemsg_core PRIVATE sharemsg_warnings)

# sharemsg: the offline tool.
file(GLOB SHAREMSG_CLI_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/apps/sharemsg/*.cpp)
add_executable(sharemsg ${SHAREMSG_CLI_SOURCES})
target_link_libraries(sharemsg PRIVATE sharemsg_conformance sharemsg_node CLI11::CLI11 sharemsg_warnings)

# The node: Boost.Asio/Beast networking, threads, files. Not part of libsharemsg.
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
file(GLOB SHAREMSG_NODE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/node/*.cpp)
add_library(sharemsg_node STATIC ${SHAREMSG_NODE_SOURCES})
target_link_libraries(sharemsg_node
  PUBLIC sharemsg_core sharemsg_store sharemsg_relay sharemsg_direct sharemsg_ice Boost::system
         spdlog::spdlog CLI11::CLI11 Threads::Threads
  PRIVATE sharemsg_warnings)
target_compile_definitions(sharemsg_node PUBLIC BOOST_ASIO_NO_DEPRECATED)

# SQLite persistence (WAL, one batched writer, reader connections). Not part of libsharemsg.
find_package(SQLite3 REQUIRED)
file(GLOB SHAREMSG_STORE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/store/*.cpp)
add_library(sharemsg_store STATIC ${SHAREMSG_STORE_SOURCES})
target_link_libraries(sharemsg_store
  PUBLIC sharemsg_core SQLite::SQLite3 Threads::Threads
  PRIVATE sharemsg_warnings)

# The relay role (docs/relay.md) and the mailbox role (docs/mailbox.md): their formats,
# services and storage (SQLite, or PostgreSQL through libpq), and the mailbox's end-to-end
# encryption. The node links them and serves them with --relay and --mailbox.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
file(GLOB SHAREMSG_RELAY_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/relay/*.cpp
  ${PROJECT_SOURCE_DIR}/src/mailbox/*.cpp)
add_library(sharemsg_relay STATIC ${SHAREMSG_RELAY_SOURCES})
target_link_libraries(sharemsg_relay
  PUBLIC sharemsg_core sharemsg_store SQLite::SQLite3 PkgConfig::LIBPQ Threads::Threads
  PRIVATE sharemsg_warnings)

# Direct connections between identities (docs/nat.md): the STUN message codec (src/net), the
# gossip formats and peer table (src/gossip) and the encrypted channel (src/channel). Formats
# and state machines without sockets or threads of their own; the node drives them.
file(GLOB SHAREMSG_DIRECT_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/src/net/*.cpp
  ${PROJECT_SOURCE_DIR}/src/gossip/*.cpp
  ${PROJECT_SOURCE_DIR}/src/channel/*.cpp)
# STUN's FINGERPRINT is a CRC-32, taken from zlib.
find_package(ZLIB REQUIRED)
add_library(sharemsg_direct STATIC ${SHAREMSG_DIRECT_SOURCES})
target_link_libraries(sharemsg_direct
  PUBLIC sharemsg_core sharemsg_store sharemsg_relay
  PRIVATE ZLIB::ZLIB sharemsg_warnings)

# ICE sessions on libnice (src/ice, docs/nat.md "ICE sessions"): the agents' GLib thread, the
# sessions and the checks of remote candidates. Kept out of libsharemsg and the core; the tests
# link it directly.
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice glib-2.0)
file(GLOB SHAREMSG_ICE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/ice/*.cpp)
add_library(sharemsg_ice STATIC ${SHAREMSG_ICE_SOURCES})
target_include_directories(sharemsg_ice PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(sharemsg_ice
  PUBLIC sharemsg_core Threads::Threads
  PRIVATE PkgConfig::NICE sharemsg_warnings)

add_executable(sharemsgd ${PROJECT_SOURCE_DIR}/apps/sharemsgd/main.cpp)
target_link_libraries(sharemsgd PRIVATE sharemsg_node sharemsg_warnings)

if(SHAREMSG_TESTS)
  find_package(GTest REQUIRED)
  enable_testing()
  file(GLOB SHAREMSG_TEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/*.cpp)
  add_executable(sharemsg_tests ${SHAREMSG_TEST_SOURCES})
  target_link_libraries(sharemsg_tests PRIVATE sharemsg_conformance sharemsg_node sharemsg_store sharemsg_ice GTest::gtest_main sharemsg_warnings)
  # The reference's vector files are read from their copies in the repository
  # (vectors/reference/, see vectors/README.md). ../shared/vectors, beside the checkout, is
  # only the origin the copies are compared with when it exists.
  target_compile_definitions(sharemsg_tests PRIVATE
    SHAREMSG_VECTORS_DIR="${PROJECT_SOURCE_DIR}/vectors/reference"
    SHAREMSG_OPEN_VECTORS="${PROJECT_SOURCE_DIR}/vectors/open_profile.json"
    SHAREMSG_SHARED_VECTORS_DIR="${PROJECT_SOURCE_DIR}/../shared/vectors"
    SHAREMSG_CLI_PATH="$<TARGET_FILE:sharemsg>")
  include(GoogleTest)
  # A test that skips itself (GTEST_SKIP, with its reason) is reported by ctest as skipped.
  gtest_discover_tests(sharemsg_tests DISCOVERY_TIMEOUT 60
    PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  # Integration tests: real sharemsgd processes on 127.0.0.1.
  file(GLOB SHAREMSG_ITEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/integration/*.cpp)
  add_executable(sharemsg_itests ${SHAREMSG_ITEST_SOURCES})
  target_link_libraries(sharemsg_itests PRIVATE sharemsg_node sharemsg_ice GTest::gtest_main sharemsg_warnings)
  target_compile_definitions(sharemsg_itests PRIVATE
    SHAREMSGD_PATH="$<TARGET_FILE:sharemsgd>"
    SHAREMSG_CLI_PATH="$<TARGET_FILE:sharemsg>"
    SHAREMSG_ITEST_TMP="${CMAKE_BINARY_DIR}/itest-tmp"
    SHAREMSG_VECTORS_DIR="${PROJECT_SOURCE_DIR}/vectors/reference")
  add_dependencies(sharemsg_itests sharemsgd sharemsg)
  # Most run two at a time (ctest -j): they wait on sockets and processes more than they
  # compute, and each takes its own ports, data directories and network namespaces. The NAT
  # lab's, the hostile peers' (they measure a daemon's memory, CPU and log lines), the
  # crash tests' and the direct links' flood run alone, so that nothing else loads the machine
  # while they measure or time.
  set(SHAREMSG_SERIAL_ITESTS "Nat*:*Hostile*:Crash.*:DirectLinks.*")
  gtest_discover_tests(sharemsg_itests DISCOVERY_TIMEOUT 60 TEST_FILTER "${SHAREMSG_SERIAL_ITESTS}"
    PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
  gtest_discover_tests(sharemsg_itests DISCOVERY_TIMEOUT 60 TEST_FILTER "-${SHAREMSG_SERIAL_ITESTS}"
    PROPERTIES TIMEOUT 300)

  add_test(NAME cli_conformance_public
    COMMAND sharemsg conformance ${PROJECT_SOURCE_DIR}/vectors/reference/share_messages_public.json)
endif()

if(SHAREMSG_BENCH)
  find_package(benchmark REQUIRED)
  file(GLOB SHAREMSG_BENCH_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bench/*.cpp)
  foreach(src ${SHAREMSG_BENCH_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE sharemsg_core benchmark::benchmark sharemsg_warnings)
  endforeach()
  # bench_open builds its parties, shares and messages with the open-profile tests' helpers.
  if(TARGET bench_open)
    target_include_directories(bench_open PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  endif()
  # bench_catchup verifies a synthetic chain with the node's share functions.
  if(TARGET bench_catchup)
    target_link_libraries(bench_catchup PRIVATE sharemsg_node)
  endif()
  # bench_channel drives the channel's handshake and frames (src/channel).
  if(TARGET bench_channel)
    target_link_libraries(bench_channel PRIVATE sharemsg_direct)
  endif()
  if(TARGET bench_sqlite)
    target_link_libraries(bench_sqlite PRIVATE sharemsg_store)
  endif()
  # bench_relay drives relay::Service on both backends, with the relay tests' helpers.
  if(TARGET bench_relay)
    target_link_libraries(bench_relay PRIVATE sharemsg_relay)
    target_include_directories(bench_relay PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  endif()
  # bench_mailbox_seal times the mailbox's encryption (src/mailbox/seal.cpp, in the relay library).
  if(TARGET bench_mailbox_seal)
    target_link_libraries(bench_mailbox_seal PRIVATE sharemsg_relay)
  endif()
  # bench_mailbox drives mailbox::Service on both backends, with the mailbox tests' helpers.
  if(TARGET bench_mailbox)
    target_link_libraries(bench_mailbox PRIVATE sharemsg_relay)
    target_include_directories(bench_mailbox PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  endif()
  # bench_gossip runs many of the node's gossip services in one process.
  if(TARGET bench_gossip)
    target_link_libraries(bench_gossip PRIVATE sharemsg_node)
  endif()
  # bench_api runs the real sharemsgd (path compiled in) and talks to it over HTTP.
  if(TARGET bench_api)
    target_link_libraries(bench_api PRIVATE sharemsg_node sharemsg_store)
    target_compile_definitions(bench_api PRIVATE SHAREMSGD_PATH="$<TARGET_FILE:sharemsgd>")
    target_include_directories(bench_api PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    add_dependencies(bench_api sharemsgd)
  endif()
  # bench_musig_nodes runs a mailbox and 16 real sharemsgd signers with the integration tests'
  # MusigNodes (tests/integration/musig_nodes.hpp).
  if(TARGET bench_musig_nodes)
    target_link_libraries(bench_musig_nodes PRIVATE sharemsg_node)
    target_compile_definitions(bench_musig_nodes PRIVATE SHAREMSGD_PATH="$<TARGET_FILE:sharemsgd>"
                                                         SHAREMSG_ITEST_TMP="${CMAKE_BINARY_DIR}/bench-tmp")
    target_include_directories(bench_musig_nodes PRIVATE ${PROJECT_SOURCE_DIR}/tests
                                                         ${PROJECT_SOURCE_DIR}/tests/integration)
    add_dependencies(bench_musig_nodes sharemsgd)
  endif()
endif()

# One libFuzzer target per fuzz/*.cpp; each executable is named fuzz_<stem>
# (the stem keeps its own fuzz_ prefix if it has one), which is how
# scripts/test.sh finds them. The seed corpus of a target, if any, is
# fuzz/corpus/<executable name>/.
if(SHAREMSG_FUZZ)
  file(GLOB SHAREMSG_FUZZ_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/*.cpp)
  foreach(src ${SHAREMSG_FUZZ_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    if(NOT name MATCHES "^fuzz_")
      set(name fuzz_${name})
    endif()
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE sharemsg_conformance sharemsg_warnings)
  endforeach()
  # The HTTP API's parsers (src/node/api_parse.cpp) live in the node library.
  if(TARGET fuzz_http_body)
    target_link_libraries(fuzz_http_body PRIVATE sharemsg_node)
  endif()
  # So does the outbox row codec (src/node/outbox_codec.cpp).
  if(TARGET fuzz_outbox_row)
    target_link_libraries(fuzz_outbox_row PRIVATE sharemsg_node)
  endif()
  # The relay's and the mailbox's decoders (src/relay, src/mailbox).
  foreach(t fuzz_relay_register fuzz_relay_allow fuzz_relay_signal fuzz_mailbox_header
          fuzz_mailbox_request fuzz_mailbox_seal)
    if(TARGET ${t})
      target_link_libraries(${t} PRIVATE sharemsg_relay)
    endif()
  endforeach()
  # The STUN, gossip and channel decoders (src/net, src/gossip, src/channel).
  foreach(t fuzz_stun fuzz_gossip_datagram fuzz_channel_frame)
    if(TARGET ${t})
      target_link_libraries(${t} PRIVATE sharemsg_direct)
    endif()
  endforeach()
  # The checks of remote ICE candidates (src/ice/description.cpp).
  if(TARGET fuzz_ice_candidate)
    target_link_libraries(fuzz_ice_candidate PRIVATE sharemsg_ice)
  endif()
  # And the share log reader (src/node/share_log.cpp).
  if(TARGET fuzz_share_log)
    target_link_libraries(fuzz_share_log PRIVATE sharemsg_node)
  endif()
endif()
