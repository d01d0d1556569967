// SigningKeys with real files in a real directory: the key chosen at start, and a rotation
// that takes effect only once it is durable (the database's part is played by the test:
// finish_rotation(committed) is what the node calls after the commit).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "crypto/hash.hpp"
#include "node/files.hpp"
#include "node/signing_keys.hpp"
#include "proto/keys_io.hpp"

using namespace sharemsg;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
    auto d = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

struct Key {
    std::string wif;
    std::uint32_t index = 0;
    std::string delegation;
    proto::SigningId id{};
};

const Bytes kMaster(32, 0x42);

Key derived(std::uint32_t index) {
    auto k = proto::DerivedSigningKey::derive(kMaster, index);
    auto mk = crypto::PrivKey::from_bytes(kMaster);
    auto d = proto::open::make_delegation(*mk, proto::open::DEVNET_NETWORK_ID, k->pubkey(), index);
    return {proto::encode_wif(k->privkey().bytes(), 0xef), index, proto::open::delegation_to_hex(d),
            k->signing_id()};
}

ByteArray<20> payout() {
    return crypto::hash160(crypto::PrivKey::from_bytes(kMaster)->pubkey());
}

node::KeyNetwork devnet() {
    return {true, proto::open::DEVNET_NETWORK_ID, 0x6f};
}

// A node's keys started with `k` configured and `db` as the database's key state.
std::unique_ptr<node::SigningKeys> started(const fs::path& dir, const Key& k,
                                           std::optional<store::KeyState> db = std::nullopt) {
    auto keys = std::make_unique<node::SigningKeys>(dir.string(), devnet());
    auto s = keys->start(node::SigningKeys::Configured{k.wif, k.index, k.delegation}, db, payout(),
                         false, 1000);
    EXPECT_TRUE(s) << s.error().reason;
    EXPECT_TRUE(s && *s);
    return keys;
}

node::SigningKeys::Pending begin(node::SigningKeys& keys, const Key& k) {
    auto r = keys.begin_rotation(k.wif, k.index, k.delegation, payout(), 2000);
    if (auto* refused = std::get_if<node::SigningKeys::Refused>(&r))
        ADD_FAILURE() << "refused: " << refused->detail;
    return std::get<node::SigningKeys::Pending>(r);
}

std::optional<node::SigningKeys::Refusal> refusal(node::SigningKeys& keys, const Key& k) {
    auto r = keys.begin_rotation(k.wif, k.index, k.delegation, payout(), 2000);
    if (auto* refused = std::get_if<node::SigningKeys::Refused>(&r)) return refused->why;
    return std::nullopt;
}

proto::ShareMessage private_to(const proto::SigningId& id) {
    proto::ShareMessage m;
    m.recipient = id;
    return m;
}

}  // namespace

TEST(NodeSigningKeys, CommittedRotationSwitchesKeysAndKeepsTheOldOne) {
    const auto dir = fresh_dir("keys-commit");
    const Key k1 = derived(1), k2 = derived(2);
    auto keys = started(dir, k1);
    ASSERT_EQ(keys->signing_id(), k1.id);
    EXPECT_TRUE(keys->announcement().has_value());

    const auto p = begin(*keys, k2);
    EXPECT_EQ(p.state.key_index, 2u);
    EXPECT_EQ(p.previous, k1.id);
    // Durable before it takes effect: on disk, and the old key still signs.
    EXPECT_TRUE(fs::exists(dir / "signing_key.secret.new"));
    EXPECT_EQ(keys->signing_id(), k1.id);
    // Messages counted meanwhile are saved after the rotation, not before.
    EXPECT_FALSE(keys->count_signed(3));
    EXPECT_EQ(refusal(*keys, derived(3)), node::SigningKeys::Refusal::in_progress);

    auto resave = keys->finish_rotation(true);
    EXPECT_EQ(keys->signing_id(), k2.id);
    ASSERT_TRUE(resave);
    EXPECT_EQ(resave->key_index, 2u);
    EXPECT_EQ(resave->messages_signed, 3u);
    EXPECT_FALSE(fs::exists(dir / "signing_key.secret.new"));
    EXPECT_NE(node::read_file((dir / "signing_key.secret").string())->find(k2.wif),
              std::string::npos);
    auto state = nlohmann::json::parse(*node::read_file((dir / "signing_key.json").string()));
    EXPECT_EQ(state["key_index"], 2);
    for (const char* f : {"signing_key.secret", "signing_key.json", "signing_keys.json"}) {
        struct stat st {};
        ASSERT_EQ(::stat((dir / f).c_str(), &st), 0) << f;
        EXPECT_EQ(st.st_mode & 0777, 0600u) << f;
    }
    // The old key still reads private messages sent to it.
    auto old = keys->key_for(private_to(k1.id));
    ASSERT_TRUE(old);
    EXPECT_EQ(old->key_index(), 1u);
    EXPECT_EQ(keys->count_signed(1)->messages_signed, 4u);
}

TEST(NodeSigningKeys, FailedCommitLeavesTheOldKeyInUse) {
    const auto dir = fresh_dir("keys-fail");
    const Key k1 = derived(1), k2 = derived(2);
    auto keys = started(dir, k1);
    begin(*keys, k2);
    EXPECT_FALSE(keys->finish_rotation(false));
    EXPECT_EQ(keys->signing_id(), k1.id);
    EXPECT_FALSE(fs::exists(dir / "signing_key.secret.new"));
    EXPECT_FALSE(fs::exists(dir / "signing_key.secret"));
    // A restart keeps the old key too.
    auto again = started(dir, k1, keys->snapshot().state);
    EXPECT_EQ(again->signing_id(), k1.id);
    // And a later rotation goes through.
    begin(*keys, k2);
    keys->finish_rotation(true);
    EXPECT_EQ(keys->signing_id(), k2.id);
}

TEST(NodeSigningKeys, KeyThatCannotBeWrittenIsRefused) {
    const auto dir = fresh_dir("keys-unwritable");
    const Key k1 = derived(1), k2 = derived(2);
    auto keys = started(dir, k1);
    fs::create_directory(dir / "signing_key.secret.new");  // a rename over it fails
    auto r = keys->begin_rotation(k2.wif, k2.index, k2.delegation, payout(), 2000);
    auto* refused = std::get_if<node::SigningKeys::Refused>(&r);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->why, node::SigningKeys::Refusal::not_stored);
    EXPECT_NE(refused->detail.find("old key stays in use"), std::string::npos) << refused->detail;
    EXPECT_EQ(keys->signing_id(), k1.id);
    fs::remove(dir / "signing_key.secret.new");
    begin(*keys, k2);  // not left "in progress"
}

TEST(NodeSigningKeys, RotationRulesAreRefusalsWithTheirReason) {
    const auto dir = fresh_dir("keys-rules");
    auto keys = started(dir, derived(2));
    Key bad = derived(3);
    bad.wif = "nope";
    EXPECT_EQ(refusal(*keys, bad), node::SigningKeys::Refusal::bad_key);
    EXPECT_EQ(refusal(*keys, derived(2)), node::SigningKeys::Refusal::index_not_higher);
    EXPECT_EQ(refusal(*keys, derived(1)), node::SigningKeys::Refusal::index_not_higher);
    Key undelegated = derived(3);
    undelegated.delegation.clear();
    EXPECT_EQ(refusal(*keys, undelegated), node::SigningKeys::Refusal::missing_delegation);
    Key wrong = derived(3);
    wrong.delegation = derived(4).delegation;  // made for another key
    EXPECT_EQ(refusal(*keys, wrong), node::SigningKeys::Refusal::bad_delegation);
    EXPECT_FALSE(fs::exists(dir / "signing_key.secret.new"));
}

// A node stopped between the two steps: the next start completes a rotation the database
// holds and drops one it does not.
TEST(NodeSigningKeys, StartSettlesAPendingRotation) {
    const Key k1 = derived(1), k2 = derived(2);
    for (const bool committed : {true, false}) {
        SCOPED_TRACE(committed ? "committed" : "not committed");
        const auto dir = fresh_dir("keys-settle");
        std::optional<store::KeyState> db;
        {
            auto keys = started(dir, k1);
            db = keys->snapshot().state;
            const auto p = begin(*keys, k2);
            if (committed) db = p.state;
        }  // stopped here
        ASSERT_TRUE(fs::exists(dir / "signing_key.secret.new"));
        auto keys = started(dir, k1, db);
        EXPECT_EQ(keys->signing_id(), committed ? k2.id : k1.id);
        EXPECT_FALSE(fs::exists(dir / "signing_key.secret.new"));
        EXPECT_EQ(fs::exists(dir / "signing_key.secret"), committed);
    }
}

TEST(NodeSigningKeys, StartRefusesAKeyBelowTheOneInUse) {
    const auto dir = fresh_dir("keys-lower");
    store::KeyState db;
    db.key_index = 2;
    db.signing_id = derived(2).id;
    node::SigningKeys keys(dir.string(), devnet());
    const Key k1 = derived(1);
    auto s = keys.start(node::SigningKeys::Configured{k1.wif, k1.index, k1.delegation}, db,
                        payout(), false, 1000);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().reason.find("lower than the index in use"), std::string::npos);
    EXPECT_FALSE(keys.has_key());
    // Without a key: messaging is off, nothing to save.
    node::SigningKeys none(dir.string(), devnet());
    auto n = none.start(std::nullopt, db, payout(), false, 1000);
    ASSERT_TRUE(n);
    EXPECT_FALSE(*n);
    EXPECT_FALSE(none.count_signed(1));
}
