// Every case of BIP327's test vectors (vectors/reference/bip327/*.json, byte-identical copies
// of the BIP's files), valid and error cases alike, through src/musig/. Each file's test
// prints how many of its cases passed; Bip327Vectors.EveryFileEveryCase runs them all and
// fails when a file in the folder has no runner or when any file's passed count differs from
// the number of cases it holds (every array named "*test_cases", or one case for a file with
// none, as key_sort_vectors.json), so a file skipped in silence cannot pass.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "crypto/bip340.hpp"
#include "musig/musig.hpp"

// The musig namespace has its own Error and Result: take only the byte helpers from sharemsg.
using namespace sharemsg::musig;
using sharemsg::ByteArray;
using sharemsg::Bytes;
using sharemsg::from_hex;
using sharemsg::to_hex;
namespace crypto = sharemsg::crypto;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path vector_dir() {
    return fs::path(SHAREMSG_VECTORS_DIR) / "bip327";
}

json load(const std::string& name) {
    std::ifstream f(vector_dir() / name);
    EXPECT_TRUE(f) << vector_dir() / name;
    return json::parse(f);
}

Bytes hexb(const json& j) {
    auto b = from_hex(j.get<std::string>());
    EXPECT_TRUE(b) << j;
    return b ? *b : Bytes{};
}

template <std::size_t N>
ByteArray<N> arr(const json& j) {
    const Bytes b = hexb(j);
    ByteArray<N> out{};
    EXPECT_EQ(b.size(), N) << j;
    for (std::size_t i = 0; i < N && i < b.size(); ++i)
        out[i] = b[i];
    return out;
}

template <std::size_t N>
std::vector<ByteArray<N>> pick(const json& all, const json& indices) {
    std::vector<ByteArray<N>> out;
    for (const auto& i : indices)
        out.push_back(arr<N>(all[i.get<std::size_t>()]));
    return out;
}

std::vector<Tweak> tweaks_of(const json& all, const json& indices, const json& is_xonly) {
    std::vector<Tweak> out;
    for (std::size_t k = 0; k < indices.size(); ++k)
        out.push_back({arr<32>(all[indices[k].get<std::size_t>()]), is_xonly[k].get<bool>()});
    return out;
}

// det_sign_vectors.json gives each case's tweaks inline.
std::vector<Tweak> inline_tweaks(const json& c) {
    std::vector<Tweak> out;
    for (std::size_t k = 0; k < c["tweaks"].size(); ++k)
        out.push_back({arr<32>(c["tweaks"][k]), c["is_xonly"][k].get<bool>()});
    return out;
}

// The Error a vector's "error" object stands for. BIP327's "value" errors carry only a text,
// so the test maps each text it knows onto our code (an unknown text fails the case).
std::optional<Error> expected_error(const json& e) {
    const auto type = e["type"].get<std::string>();
    if (type == "invalid_contribution") {
        static const std::map<std::string, Contribution> contribs = {
            {"pubkey", Contribution::pubkey},
            {"pubnonce", Contribution::pubnonce},
            {"aggnonce", Contribution::aggnonce},
            {"aggothernonce", Contribution::aggothernonce},
            {"psig", Contribution::psig}};
        const auto c = contribs.find(e["contrib"].get<std::string>());
        if (c == contribs.end()) return std::nullopt;
        std::optional<std::size_t> signer;
        if (!e["signer"].is_null()) signer = e["signer"].get<std::size_t>();
        return invalid(c->second, signer);
    }
    static const std::map<std::string, ErrorCode> values = {
        {"The tweak must be less than n.", ErrorCode::tweak_out_of_range},
        {"The result of tweaking cannot be infinity.", ErrorCode::tweak_infinite},
        {"The signer's pubkey must be included in the list of pubkeys.",
         ErrorCode::signer_not_in_keys},
        {"first secnonce value is out of range.", ErrorCode::secnonce_invalid}};
    const auto v = values.find(e["message"].get<std::string>());
    if (type != "value" || v == values.end()) return std::nullopt;
    return make_error(v->second);
}

// Counts the cases of one file that pass; a failing case also fails the test, with its place.
struct Tally {
    std::size_t passed = 0;
    std::size_t failed = 0;
    void record(bool ok, const std::string& where) {
        if (ok)
            ++passed;
        else {
            ++failed;
            ADD_FAILURE() << where;
        }
    }
};

template <class T>
bool fails_with(const Result<T>& r, const json& error, std::string& why) {
    const auto want = expected_error(error);
    if (!want) {
        why = "unknown error in the vector: " + error.dump();
        return false;
    }
    if (r.ok()) {
        why = "succeeded, expected " + want->to_string();
        return false;
    }
    if (!(r.error() == *want)) {
        why = "failed with " + r.error().to_string() + ", expected " + want->to_string();
        return false;
    }
    return true;
}

std::string at(const std::string& group, std::size_t i) {
    return group + "[" + std::to_string(i) + "]";
}

// ---- one runner per file --------------------------------------------------------------------

Tally run_key_sort() {
    const json v = load("key_sort_vectors.json");
    Tally t;
    std::vector<PlainPubKey> keys, want;
    for (const auto& k : v["pubkeys"])
        keys.push_back(arr<33>(k));
    for (const auto& k : v["sorted_pubkeys"])
        want.push_back(arr<33>(k));
    t.record(key_sort(keys) == want, "key_sort");
    return t;
}

Tally run_key_agg() {
    const json v = load("key_agg_vectors.json");
    Tally t;
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto ctx = KeyAggContext::create(pick<33>(v["pubkeys"], c["key_indices"]));
        t.record(ctx && ctx->xonly_pubkey() == arr<32>(c["expected"]),
                 at("valid_test_cases", i) +
                     (ctx ? ": " + to_hex(ctx->xonly_pubkey()) : ": " + ctx.error().to_string()));
    }
    for (std::size_t i = 0; i < v["error_test_cases"].size(); ++i) {
        const auto& c = v["error_test_cases"][i];
        const auto keys = pick<33>(v["pubkeys"], c["key_indices"]);
        const auto tw = tweaks_of(v["tweaks"], c["tweak_indices"], c["is_xonly"]);
        std::string why;
        t.record(fails_with(key_agg(keys, tw), c["error"], why),
                 at("error_test_cases", i) + ": " + why);
    }
    return t;
}

Tally run_nonce_gen() {
    const json v = load("nonce_gen_vectors.json");
    Tally t;
    for (std::size_t i = 0; i < v["test_cases"].size(); ++i) {
        const auto& c = v["test_cases"][i];
        std::optional<crypto::PrivKey> sk;
        if (!c["sk"].is_null()) sk = *crypto::PrivKey::from_bytes(hexb(c["sk"]));
        NonceGenArgs args;
        args.sk = sk ? &*sk : nullptr;
        args.pk = arr<33>(c["pk"]);
        if (!c["aggpk"].is_null()) args.aggpk = arr<32>(c["aggpk"]);
        if (!c["msg"].is_null()) args.msg = hexb(c["msg"]);
        if (!c["extra_in"].is_null()) args.extra_in = hexb(c["extra_in"]);
        const auto out = nonce_gen_with_rand(arr<32>(c["rand_"]), args);
        t.record(out && out->secnonce.matches(hexb(c["expected_secnonce"])) &&
                     out->pubnonce == arr<66>(c["expected_pubnonce"]),
                 at("test_cases", i) + (out ? ": pubnonce " + to_hex(out->pubnonce) : ""));
    }
    return t;
}

Tally run_nonce_agg() {
    const json v = load("nonce_agg_vectors.json");
    Tally t;
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto agg = nonce_agg(pick<66>(v["pnonces"], c["pnonce_indices"]));
        t.record(agg && *agg == arr<66>(c["expected"]), at("valid_test_cases", i));
    }
    for (std::size_t i = 0; i < v["error_test_cases"].size(); ++i) {
        const auto& c = v["error_test_cases"][i];
        std::string why;
        t.record(
            fails_with(nonce_agg(pick<66>(v["pnonces"], c["pnonce_indices"])), c["error"], why),
            at("error_test_cases", i) + ": " + why);
    }
    return t;
}

Tally run_sign_verify() {
    const json v = load("sign_verify_vectors.json");
    Tally t;
    const auto sk = *crypto::PrivKey::from_bytes(hexb(v["sk"]));
    const auto secnonce = [&](std::size_t i) {
        return SecNonce::from_bip327_bytes(hexb(v["secnonces"][i])).value();
    };
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto keys = pick<33>(v["pubkeys"], c["key_indices"]);
        const auto nonces = pick<66>(v["pnonces"], c["nonce_indices"]);
        const auto aggnonce = arr<66>(v["aggnonces"][c["aggnonce_index"].get<std::size_t>()]);
        const Bytes msg = hexb(v["msgs"][c["msg_index"].get<std::size_t>()]);
        const auto signer = c["signer_index"].get<std::size_t>();
        const auto expected = arr<32>(c["expected"]);
        const auto agg = nonce_agg(nonces);
        const auto session = Session::create(aggnonce, keys, {}, msg);
        bool ok = agg && *agg == aggnonce && session;
        if (ok) {
            const auto psig = session->sign(secnonce(0), sk);
            const auto verified = partial_sig_verify(expected, nonces, keys, {}, msg, signer);
            ok = psig && *psig == expected && verified && *verified;
        }
        t.record(ok, at("valid_test_cases", i));
    }
    for (std::size_t i = 0; i < v["sign_error_test_cases"].size(); ++i) {
        const auto& c = v["sign_error_test_cases"][i];
        const auto keys = pick<33>(v["pubkeys"], c["key_indices"]);
        const auto aggnonce = arr<66>(v["aggnonces"][c["aggnonce_index"].get<std::size_t>()]);
        const Bytes msg = hexb(v["msgs"][c["msg_index"].get<std::size_t>()]);
        const auto session = Session::create(aggnonce, keys, {}, msg);
        std::string why;
        const bool ok =
            session
                ? fails_with(session->sign(secnonce(c["secnonce_index"].get<std::size_t>()), sk),
                             c["error"], why)
                : fails_with(session, c["error"], why);
        t.record(ok, at("sign_error_test_cases", i) + ": " + why);
    }
    for (std::size_t i = 0; i < v["verify_fail_test_cases"].size(); ++i) {
        const auto& c = v["verify_fail_test_cases"][i];
        const auto r =
            partial_sig_verify(arr<32>(c["sig"]), pick<66>(v["pnonces"], c["nonce_indices"]),
                               pick<33>(v["pubkeys"], c["key_indices"]), {},
                               hexb(v["msgs"][c["msg_index"].get<std::size_t>()]),
                               c["signer_index"].get<std::size_t>());
        t.record(r && !*r, at("verify_fail_test_cases", i));
    }
    for (std::size_t i = 0; i < v["verify_error_test_cases"].size(); ++i) {
        const auto& c = v["verify_error_test_cases"][i];
        const auto r =
            partial_sig_verify(arr<32>(c["sig"]), pick<66>(v["pnonces"], c["nonce_indices"]),
                               pick<33>(v["pubkeys"], c["key_indices"]), {},
                               hexb(v["msgs"][c["msg_index"].get<std::size_t>()]),
                               c["signer_index"].get<std::size_t>());
        std::string why;
        t.record(fails_with(r, c["error"], why), at("verify_error_test_cases", i) + ": " + why);
    }
    return t;
}

Tally run_tweak() {
    const json v = load("tweak_vectors.json");
    Tally t;
    const auto sk = *crypto::PrivKey::from_bytes(hexb(v["sk"]));
    const auto aggnonce = arr<66>(v["aggnonce"]);
    const Bytes msg = hexb(v["msg"]);
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto keys = pick<33>(v["pubkeys"], c["key_indices"]);
        const auto nonces = pick<66>(v["pnonces"], c["nonce_indices"]);
        const auto tw = tweaks_of(v["tweaks"], c["tweak_indices"], c["is_xonly"]);
        const auto signer = c["signer_index"].get<std::size_t>();
        const auto expected = arr<32>(c["expected"]);
        const auto agg = nonce_agg(nonces);
        const auto session = Session::create(aggnonce, keys, tw, msg);
        bool ok = agg && *agg == aggnonce && session;
        if (ok) {
            const auto psig =
                session->sign(SecNonce::from_bip327_bytes(hexb(v["secnonce"])).value(), sk);
            const auto verified = partial_sig_verify(expected, nonces, keys, tw, msg, signer);
            ok = psig && *psig == expected && verified && *verified;
        }
        t.record(ok, at("valid_test_cases", i));
    }
    for (std::size_t i = 0; i < v["error_test_cases"].size(); ++i) {
        const auto& c = v["error_test_cases"][i];
        const auto session =
            Session::create(aggnonce, pick<33>(v["pubkeys"], c["key_indices"]),
                            tweaks_of(v["tweaks"], c["tweak_indices"], c["is_xonly"]), msg);
        std::string why;
        t.record(fails_with(session, c["error"], why), at("error_test_cases", i) + ": " + why);
    }
    return t;
}

Tally run_det_sign() {
    const json v = load("det_sign_vectors.json");
    Tally t;
    const auto sk = *crypto::PrivKey::from_bytes(hexb(v["sk"]));
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto keys = pick<33>(v["pubkeys"], c["key_indices"]);
        const auto tw = inline_tweaks(c);
        const Bytes msg = hexb(v["msgs"][c["msg_index"].get<std::size_t>()]);
        std::optional<ByteArray<32>> rand;
        if (!c["rand"].is_null()) rand = arr<32>(c["rand"]);
        const auto aggother = arr<66>(c["aggothernonce"]);
        const auto out = deterministic_sign(sk, aggother, keys, tw, msg, rand);
        bool ok = out && out->pubnonce == arr<66>(c["expected"][0]) &&
                  out->psig == arr<32>(c["expected"][1]);
        if (ok) {
            // The partial signature verifies in the session of both nonces.
            const PubNonce both[] = {aggother, out->pubnonce};
            const auto agg = nonce_agg(both);
            const auto session =
                agg ? Session::create(*agg, keys, tw, msg) : Result<Session>(agg.error());
            ok = session && session->verify(out->psig, out->pubnonce,
                                            keys[c["signer_index"].get<std::size_t>()]);
        }
        t.record(ok, at("valid_test_cases", i) + (out ? "" : ": " + out.error().to_string()));
    }
    for (std::size_t i = 0; i < v["error_test_cases"].size(); ++i) {
        const auto& c = v["error_test_cases"][i];
        const auto tw = inline_tweaks(c);
        std::optional<ByteArray<32>> rand;
        if (!c["rand"].is_null()) rand = arr<32>(c["rand"]);
        const auto out = deterministic_sign(
            sk, arr<66>(c["aggothernonce"]), pick<33>(v["pubkeys"], c["key_indices"]), tw,
            hexb(v["msgs"][c["msg_index"].get<std::size_t>()]), rand);
        std::string why;
        t.record(fails_with(out, c["error"], why), at("error_test_cases", i) + ": " + why);
    }
    return t;
}

Tally run_sig_agg() {
    const json v = load("sig_agg_vectors.json");
    Tally t;
    const Bytes msg = hexb(v["msg"]);
    const auto session_of = [&](const json& c) {
        return Session::create(arr<66>(c["aggnonce"]), pick<33>(v["pubkeys"], c["key_indices"]),
                               tweaks_of(v["tweaks"], c["tweak_indices"], c["is_xonly"]), msg);
    };
    for (std::size_t i = 0; i < v["valid_test_cases"].size(); ++i) {
        const auto& c = v["valid_test_cases"][i];
        const auto agg = nonce_agg(pick<66>(v["pnonces"], c["nonce_indices"]));
        const auto session = session_of(c);
        bool ok = agg && *agg == arr<66>(c["aggnonce"]) && session;
        if (ok) {
            const auto sig = session->aggregate(pick<32>(v["psigs"], c["psig_indices"]));
            ByteArray<33> pk{};
            pk[0] = 0x02;
            const auto x = session->aggregate_pubkey();
            std::copy(x.begin(), x.end(), pk.begin() + 1);
            ok = sig && *sig == arr<64>(c["expected"]) &&
                 crypto::schnorr_verify(pk, arr<32>(v["msg"]), *sig);
        }
        t.record(ok, at("valid_test_cases", i));
    }
    for (std::size_t i = 0; i < v["error_test_cases"].size(); ++i) {
        const auto& c = v["error_test_cases"][i];
        const auto session = session_of(c);
        std::string why;
        const bool ok =
            session && fails_with(session->aggregate(pick<32>(v["psigs"], c["psig_indices"])),
                                  c["error"], why);
        t.record(ok, at("error_test_cases", i) + ": " + why);
    }
    return t;
}

const std::map<std::string, std::function<Tally()>>& runners() {
    static const std::map<std::string, std::function<Tally()>> r = {
        {"key_sort_vectors.json", run_key_sort},       {"key_agg_vectors.json", run_key_agg},
        {"nonce_gen_vectors.json", run_nonce_gen},     {"nonce_agg_vectors.json", run_nonce_agg},
        {"sign_verify_vectors.json", run_sign_verify}, {"tweak_vectors.json", run_tweak},
        {"det_sign_vectors.json", run_det_sign},       {"sig_agg_vectors.json", run_sig_agg}};
    return r;
}

// The cases a file holds: the entries of every array named "*test_cases", or one.
std::size_t cases_in(const std::string& name) {
    const json v = load(name);
    std::size_t n = 0;
    bool any = false;
    for (const auto& [key, value] : v.items()) {
        if (key.size() >= 10 && key.ends_with("test_cases") && value.is_array()) {
            n += value.size();
            any = true;
        }
    }
    return any ? n : 1;
}

void check_file(const std::string& name) {
    const Tally t = runners().at(name)();
    const std::size_t cases = cases_in(name);
    std::cout << "[ bip327   ] " << name << ": " << t.passed << " of " << cases
              << " cases passed\n";
    EXPECT_EQ(t.passed, cases) << name;
}

}  // namespace

TEST(Bip327Vectors, KeySort) {
    check_file("key_sort_vectors.json");
}
TEST(Bip327Vectors, KeyAgg) {
    check_file("key_agg_vectors.json");
}
TEST(Bip327Vectors, NonceGen) {
    check_file("nonce_gen_vectors.json");
}
TEST(Bip327Vectors, NonceAgg) {
    check_file("nonce_agg_vectors.json");
}
TEST(Bip327Vectors, SignVerify) {
    check_file("sign_verify_vectors.json");
}
TEST(Bip327Vectors, Tweak) {
    check_file("tweak_vectors.json");
}
TEST(Bip327Vectors, DeterministicSign) {
    check_file("det_sign_vectors.json");
}
TEST(Bip327Vectors, SigAgg) {
    check_file("sig_agg_vectors.json");
}

TEST(Bip327Vectors, EveryFileEveryCase) {
    std::size_t files = 0, passed = 0, cases = 0;
    std::set<std::string> names;  // in order, so the output is the same every time
    for (const auto& e : fs::directory_iterator(vector_dir()))
        if (e.path().extension() == ".json") names.insert(e.path().filename().string());
    for (const auto& name : names) {
        ++files;
        const auto r = runners().find(name);
        if (r == runners().end()) {
            ADD_FAILURE() << name << " has no runner: its cases are not checked";
            continue;
        }
        const Tally t = r->second();
        const std::size_t n = cases_in(name);
        std::cout << "[ bip327   ] " << name << ": " << t.passed << " of " << n
                  << " cases passed\n";
        EXPECT_EQ(t.passed, n) << name;
        passed += t.passed;
        cases += n;
    }
    std::cout << "[ bip327   ] " << files << " files, " << passed << " of " << cases
              << " cases passed\n";
    EXPECT_EQ(files, runners().size());
    EXPECT_EQ(passed, cases);
    EXPECT_GT(cases, 0u);
}
