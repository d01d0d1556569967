// The reference's vector files live in the repository (vectors/reference/, see
// vectors/README.md) as byte-identical copies of the shared vector folder. When that folder
// is beside the checkout, the copies must be exactly its files: the same names, the same bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

// Every regular file under `root`, as paths relative to it ("bip340/test-vectors.csv").
std::set<std::string> files_under(const fs::path& root) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out.insert(fs::relative(e.path(), root).generic_string());
    return out;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

TEST(ReferenceVectors, TheCopiesAreInTheRepository) {
    const fs::path copies = SHAREMSG_VECTORS_DIR;
    const auto files = files_under(copies);
    for (const char* f :
         {"share_messages_public.json", "transition_v35_v36_mainnet.hex", "README.md",
          "bip340/test-vectors.csv", "nip44/nip44.vectors.json", "bip327/key_agg_vectors.json"})
        EXPECT_TRUE(files.count(f)) << copies / f << " is missing";
}

TEST(ReferenceVectors, CopiesAreByteIdenticalToShared) {
    // SHAREMSG_SHARED_VECTORS (environment) names another origin folder, e.g. to see the
    // skip of a plain clone: SHAREMSG_SHARED_VECTORS=/nonexistent.
    const char* env = std::getenv("SHAREMSG_SHARED_VECTORS");
    const fs::path shared = env && *env ? fs::path(env) : fs::path(SHAREMSG_SHARED_VECTORS_DIR);
    const fs::path copies = SHAREMSG_VECTORS_DIR;
    std::error_code ec;
    if (!fs::is_directory(shared, ec))
        GTEST_SKIP() << shared.lexically_normal()
                     << " does not exist (a plain clone): nothing to compare the copies in "
                     << copies << " with";
    const auto want = files_under(shared);
    const auto have = files_under(copies);
    ASSERT_FALSE(want.empty()) << shared << " holds no files";
    for (const auto& f : want) {
        if (!have.count(f)) {
            ADD_FAILURE() << f << ": in " << shared << ", not copied into " << copies;
            continue;
        }
        EXPECT_TRUE(read_bytes(shared / f) == read_bytes(copies / f))
            << f << ": the copy in " << copies << " differs from " << shared
            << " (copy it again; never edit either)";
    }
    for (const auto& f : have)
        EXPECT_TRUE(want.count(f)) << f << ": in " << copies << " but not in " << shared;
}
