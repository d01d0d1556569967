// `sharemsg musig keyagg|sign|aggregate|verify`, run as the real binary: signing rounds
// between concurrent `sign` processes joined by pipes, a bad partial signature named by
// `aggregate`, key aggregation against BIP327's vectors, and refused inputs.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/bip340.hpp"
#include "crypto/hash.hpp"
#include "musig/codec.hpp"
#include "musig/nonce.hpp"
#include "proto/keys_io.hpp"
#include "test_cli_runner.hpp"

using namespace sharemsg;
using namespace sharemsg::testing;

namespace {

using Json = nlohmann::json;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ",") {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i)
        out += (i ? sep : "") + v[i];
    return out;
}

// A `sharemsg` process with pipes to its standard input and output (standard error goes to a
// file), for the interactive `musig sign`.
class Child {
  public:
    explicit Child(const std::vector<std::string>& args) {
        // A child that exits early must fail the test, not kill it with SIGPIPE.
        ::signal(SIGPIPE, SIG_IGN);
        err_path_ = dir_.file("stderr");
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        std::vector<std::string> argv_s{SHAREMSG_CLI_PATH};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        in_ = in[1];
        out_ = out[0];
        if (rc != 0) {
            pid_ = -1;
            ADD_FAILURE() << "posix_spawn " << argv[0] << " failed: " << rc;
        }
    }
    ~Child() {
        close_input();
        if (out_ >= 0) ::close(out_);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // The next line of standard output (without its newline); empty at the end of the output
    // or after 30 s without one (a failure is recorded).
    std::string read_line() {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            const auto pos = buf_.find('\n');
            if (pos != std::string::npos) {
                line = buf_.substr(0, pos);
                buf_.erase(0, pos + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            pollfd p{out_, POLLIN, 0};
            if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
                ADD_FAILURE() << "no line from sharemsg within 30 s; stderr: " << err();
                return {};
            }
            char chunk[512];
            const ssize_t n = ::read(out_, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::exchange(buf_, std::string());
            buf_.append(chunk, static_cast<std::size_t>(n));
        }
    }
    void write(const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            const ssize_t n = ::write(in_, s.data() + off, s.size() - off);
            if (n < 0 && errno == EINTR) continue;
            ASSERT_GT(n, 0) << "write to sharemsg's standard input failed";
            off += static_cast<std::size_t>(n);
        }
    }
    void close_input() {
        if (in_ >= 0) ::close(in_);
        in_ = -1;
    }
    // Waits for the exit; the exit status, or -1 when it did not exit normally.
    int wait() {
        close_input();
        int ws = 0;
        while (::waitpid(pid_, &ws, 0) < 0)
            if (errno != EINTR) return -1;
        pid_ = -1;
        return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    }
    std::string err() const { return read_file(err_path_); }

  private:
    TempDir dir_;
    std::string err_path_;
    pid_t pid_ = -1;
    int in_ = -1, out_ = -1;
    std::string buf_;
};

// A signer: its key (in a 0600 WIF file) and pubkey.
struct Signer {
    crypto::PrivKey sk;
    std::string pub;  // 66 hex digits
    std::string key_file;
};

crypto::PrivKey test_key(int i) {
    const auto h =
        crypto::tagged_hash("sharemsg/test/cli-musig", Bytes{static_cast<std::uint8_t>(i)});
    return *crypto::PrivKey::from_bytes(h);
}

std::vector<Signer> make_signers(const TempDir& dir, int n) {
    std::vector<Signer> out;
    for (int i = 0; i < n; ++i) {
        auto sk = test_key(i);
        const std::string wif = proto::encode_wif(sk.bytes(), proto::WIF_VERSION_LTC_MAIN, true);
        const std::string pub = to_hex(sk.pubkey());
        const std::string file = dir.write("key" + std::to_string(i) + ".wif", wif + "\n");
        out.push_back(Signer{sk, pub, file});
    }
    return out;
}

std::vector<std::string> pubs(const std::vector<Signer>& s) {
    std::vector<std::string> out;
    for (const auto& x : s)
        out.push_back(x.pub);
    return out;
}

const std::string kMessage = to_hex(crypto::tagged_hash("sharemsg/test/cli-musig-msg", Bytes{1}));

// A pubnonce that no `sign` process drew (a valid encoding, for refusals).
std::string foreign_pubnonce(const Signer& s) {
    musig::NonceGenArgs a;
    a.pk = s.sk.pubkey();
    auto n = musig::nonce_gen(a);
    EXPECT_TRUE(n.ok());
    return to_hex(n->pubnonce);
}

struct Round {
    std::vector<std::string> nonces;    // in the order of `signers`
    std::vector<std::string> partials;  // in the order of `signers`
};

// A complete round between concurrent `musig sign` processes, one per signer, each given
// the signer list in `signers` order; every process is fed all pubnonces through its pipe.
Round run_round(const std::vector<Signer>& signers, const std::string& msg = kMessage) {
    const std::string list = join(pubs(signers));
    std::vector<std::unique_ptr<Child>> kids;
    for (const auto& s : signers)
        kids.push_back(std::make_unique<Child>(std::vector<std::string>{
            "musig", "sign", "--key", s.key_file, "--message", msg, "--signers", list}));
    Round r;
    for (auto& k : kids) {
        r.nonces.push_back(k->read_line());
        EXPECT_EQ(r.nonces.back().size(), 132u) << k->err();
    }
    for (auto& k : kids)
        k->write(join(r.nonces, "\n") + "\n");
    for (auto& k : kids) {
        r.partials.push_back(k->read_line());
        EXPECT_EQ(r.partials.back().size(), 64u) << k->err();
        EXPECT_EQ(k->wait(), 0) << k->err();
    }
    return r;
}

Json run_json(const std::vector<std::string>& args, int want_status = 0) {
    auto r = run_cli(args);
    EXPECT_EQ(r.status, want_status) << r.err;
    auto j = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
}

std::vector<std::string> aggregate_args(const std::vector<Signer>& s, const Round& r,
                                        const std::string& msg = kMessage) {
    return {"musig",       "aggregate", "--message",    msg,          "--signers",
            join(pubs(s)), "--nonces",  join(r.nonces), "--partials", join(r.partials)};
}

Json bip327(const std::string& name) {
    std::ifstream f(vectors_dir() + "/bip327/" + name);
    EXPECT_TRUE(f.good()) << "missing " << vectors_dir() << "/bip327/" << name;
    return Json::parse(f, nullptr, false);
}

}  // namespace

// ---- a whole round with the commands ------------------------------------------------------

TEST(CliMusigRound, ThreeSignersThroughPipesThenAggregateAndVerify) {
    TempDir dir;
    const auto signers = make_signers(dir, 3);
    const Round r = run_round(signers);

    // Three distinct nonces and partial signatures.
    EXPECT_NE(r.nonces[0], r.nonces[1]);
    EXPECT_NE(r.nonces[1], r.nonces[2]);
    EXPECT_NE(r.partials[0], r.partials[2]);

    auto agg = run_cli(aggregate_args(signers, r));
    ASSERT_EQ(agg.status, 0) << agg.err;
    const std::string sig = agg.out.substr(0, agg.out.find('\n'));
    ASSERT_EQ(sig.size(), 128u) << agg.out;

    const Json k = run_json({"musig", "keyagg", join(pubs(signers)), "--json"});
    const std::string agg_key = k["aggregate_key"].get<std::string>();
    auto v =
        run_cli({"musig", "verify", "--key", agg_key, "--message", kMessage, "--signature", sig});
    EXPECT_EQ(v.status, 0) << v.err;
    EXPECT_EQ(v.out, "valid\n");

    // Independently of the commands: BIP340 under the x-only aggregate key.
    Bytes key = *from_hex("02" + agg_key);
    crypto::SchnorrSig s{};
    const Bytes sb = *from_hex(sig);
    std::copy(sb.begin(), sb.end(), s.begin());
    crypto::Hash256 m{};
    const Bytes mb = *from_hex(kMessage);
    std::copy(mb.begin(), mb.end(), m.begin());
    EXPECT_TRUE(crypto::schnorr_verify(key, m, s));

    // The signature is for this message only, and its bytes are what verifies.
    const std::string other_msg = std::string(63, '0') + "1";
    auto wrong =
        run_cli({"musig", "verify", "--key", agg_key, "--message", other_msg, "--signature", sig});
    EXPECT_EQ(wrong.status, 1);
    EXPECT_TRUE(contains(wrong.out, "INVALID")) << wrong.out;
    std::string bad_sig = sig;
    bad_sig[10] = bad_sig[10] == '0' ? '1' : '0';
    auto wj = run_json({"musig", "verify", "--key", agg_key, "--message", kMessage, "--signature",
                        bad_sig, "--json"},
                       1);
    EXPECT_EQ(wj["valid"], false);
    auto vj = run_json(
        {"musig", "verify", "--key", agg_key, "--message", kMessage, "--signature", sig, "--json"});
    EXPECT_EQ(vj["valid"], true);
    EXPECT_EQ(vj["key"], agg_key);
}

TEST(CliMusigRound, SignersListTheKeysInTheirOwnOrderAndMixInputForms) {
    // Each signer gives the keys in its own order (sorting makes one aggregate key) and reads
    // the pubnonces in that order; signer 0 speaks JSON, signer 2 reads a JSON array.
    TempDir dir;
    const auto s = make_signers(dir, 3);
    const std::vector<std::vector<int>> orders{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}};
    std::vector<std::unique_ptr<Child>> kids;
    for (int i = 0; i < 3; ++i) {
        std::vector<std::string> list;
        for (int j : orders[i])
            list.push_back(s[j].pub);
        std::vector<std::string> args{"musig",     "sign",   "--key",     s[i].key_file,
                                      "--message", kMessage, "--signers", join(list)};
        if (i == 0) args.push_back("--json");
        kids.push_back(std::make_unique<Child>(args));
    }
    std::vector<std::string> first(3);
    for (int i = 0; i < 3; ++i)
        first[i] = kids[i]->read_line();
    const Json j0 = Json::parse(first[0], nullptr, false);
    ASSERT_TRUE(j0.is_object()) << first[0];
    EXPECT_EQ(j0["signer_index"], 0);
    EXPECT_EQ(j0["signer_pubkey"], s[0].pub);
    const std::string agg_key = j0["aggregate_key"].get<std::string>();
    // The lines each signer sends: signer 0's JSON object is passed on as it is.
    const std::vector<std::string> nonce_hex{j0["pubnonce"].get<std::string>(), first[1], first[2]};
    for (int i = 0; i < 3; ++i) {
        if (i == 2) {
            Json arr = Json::array();
            for (int j : orders[i])
                arr.push_back(j == 0 ? Json::parse(first[0]) : Json(nonce_hex[j]));
            kids[i]->write(arr.dump(2) + "\n");
        } else {
            std::string in;
            for (int j : orders[i])
                in += first[j] + "\n\n";  // blank lines are skipped
            kids[i]->write(in);
        }
    }
    std::vector<std::string> partials(3);
    for (int i = 0; i < 3; ++i) {
        partials[i] = kids[i]->read_line();
        EXPECT_EQ(kids[i]->wait(), 0) << kids[i]->err();
    }
    const Json p0 = Json::parse(partials[0], nullptr, false);
    ASSERT_TRUE(p0.is_object()) << partials[0];
    EXPECT_EQ(p0["aggregate_key"], agg_key);
    partials[0] = p0["partial_sig"].get<std::string>();

    const Json a =
        run_json({"musig", "aggregate", "--message", kMessage, "--signers", join(pubs(s)),
                  "--nonces", join(nonce_hex), "--partials", join(partials), "--json"});
    EXPECT_EQ(a["valid"], true);
    EXPECT_EQ(a["aggregate_key"], agg_key);
    auto v = run_cli({"musig", "verify", "--key", agg_key, "--message", kMessage, "--signature",
                      a["signature"].get<std::string>()});
    EXPECT_EQ(v.status, 0) << v.out << v.err;
}

TEST(CliMusigRound, NoSortRoundVerifiesUnderTheUnsortedKey) {
    TempDir dir;
    auto s = make_signers(dir, 2);
    // Put the larger key first so that the order given is not KeySort's.
    if (s[0].pub < s[1].pub) std::swap(s[0], s[1]);
    const std::string list = join(pubs(s));
    std::vector<std::unique_ptr<Child>> kids;
    for (const auto& x : s)
        kids.push_back(std::make_unique<Child>(
            std::vector<std::string>{"musig", "sign", "--key", x.key_file, "--message", kMessage,
                                     "--signers", list, "--no-sort"}));
    Round r;
    for (auto& k : kids)
        r.nonces.push_back(k->read_line());
    for (auto& k : kids)
        k->write(join(r.nonces, "\n") + "\n");
    for (auto& k : kids) {
        r.partials.push_back(k->read_line());
        EXPECT_EQ(k->wait(), 0) << k->err();
    }
    auto args = aggregate_args(s, r);
    // Sorted aggregation is another key: the partial signatures do not fit it.
    auto sorted = run_cli(args);
    EXPECT_EQ(sorted.status, 1) << sorted.err;
    args.push_back("--no-sort");
    args.push_back("--json");
    const Json a = run_json(args);
    const Json k = run_json({"musig", "keyagg", "--no-sort", "--json", s[0].pub, s[1].pub});
    const Json ks = run_json({"musig", "keyagg", "--json", s[0].pub, s[1].pub});
    EXPECT_NE(k["aggregate_key"], ks["aggregate_key"]);
    EXPECT_EQ(a["aggregate_key"], k["aggregate_key"]);
    auto v = run_cli({"musig", "verify", "--key", k["aggregate_key"].get<std::string>(),
                      "--message", kMessage, "--signature", a["signature"].get<std::string>()});
    EXPECT_EQ(v.status, 0) << v.out;
}

// ---- aggregate names a bad signer ----------------------------------------------------------

TEST(CliMusigAggregate, NamesTheSignerOfATamperedPartial) {
    TempDir dir;
    const auto s = make_signers(dir, 3);
    const Round good = run_round(s);

    Round bad = good;
    std::string& p = bad.partials[1];
    p[63] = p[63] == '0' ? '1' : '0';  // still below n, but not signer 2's partial
    auto r = run_cli(aggregate_args(s, bad));
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(contains(r.err, "signer 2 of 3 (" + s[1].pub + ")")) << r.err;
    EXPECT_TRUE(contains(r.err, "does not verify")) << r.err;
    EXPECT_EQ(r.out, "");

    auto args = aggregate_args(s, bad);
    args.push_back("--json");
    const Json j = run_json(args, 1);
    EXPECT_EQ(j["valid"], false);
    EXPECT_EQ(j["error"], "bad_partial_signature");
    EXPECT_EQ(j["signer_index"], 1);
    EXPECT_EQ(j["signer_pubkey"], s[1].pub);

    // Two partial signatures swapped: the first of the two in KeyAgg (sorted) order is named.
    Round swapped = good;
    std::swap(swapped.partials[0], swapped.partials[2]);
    auto sw = run_cli(aggregate_args(s, swapped));
    EXPECT_EQ(sw.status, 1);
    const int first_bad = s[0].pub < s[2].pub ? 0 : 2;
    EXPECT_TRUE(contains(
        sw.err, "signer " + std::to_string(first_bad + 1) + " of 3 (" + s[first_bad].pub + ")"))
        << sw.err;

    // 32 bytes that are not below the group order: that signer's contribution is invalid.
    Round over = good;
    over.partials[2] = std::string(64, 'f');
    auto ov = run_cli(aggregate_args(s, over));
    EXPECT_EQ(ov.status, 1);
    EXPECT_TRUE(contains(ov.err, "signer 3 of 3")) << ov.err;
    EXPECT_TRUE(contains(ov.err, "group order")) << ov.err;

    // Another message: every partial fails; the first in KeyAgg order is named.
    const std::string other = std::string(63, '0') + "2";
    auto om = run_cli(aggregate_args(s, good, other));
    EXPECT_EQ(om.status, 1);
    const std::string smallest = std::min({s[0].pub, s[1].pub, s[2].pub});
    EXPECT_TRUE(contains(om.err, "of 3 (" + smallest + ")")) << om.err;

    // The untouched round still aggregates.
    auto ok = run_cli(aggregate_args(s, good));
    EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST(CliMusigAggregate, RefusesUnusableLists) {
    TempDir dir;
    const auto s = make_signers(dir, 3);
    const std::string pn = foreign_pubnonce(s[0]);
    const std::string ps(64, '1');
    auto base = [&](const std::string& nonces, const std::string& partials) {
        return run_cli({"musig", "aggregate", "--message", kMessage, "--signers", join(pubs(s)),
                        "--nonces", nonces, "--partials", partials});
    };
    auto few = base(pn + "," + pn, ps + "," + ps + "," + ps);
    EXPECT_EQ(few.status, 2);
    EXPECT_TRUE(contains(few.err, "--nonces: 2 given for 3 signers")) << few.err;
    auto few_p = base(pn + "," + pn + "," + pn, ps);
    EXPECT_EQ(few_p.status, 2);
    EXPECT_TRUE(contains(few_p.err, "--partials: 1 given for 3 signers")) << few_p.err;
    auto bad_nonce = base(pn + ",02" + std::string(130, '0') + "," + pn, ps + "," + ps + "," + ps);
    EXPECT_EQ(bad_nonce.status, 2);
    EXPECT_TRUE(contains(bad_nonce.err, "--nonces: pubnonce of signer 2 of 3 (" + s[1].pub + ")"))
        << bad_nonce.err;
    EXPECT_TRUE(contains(bad_nonce.err, "not a pubnonce")) << bad_nonce.err;
    auto short_psig = base(pn + "," + pn + "," + pn, ps + ",abcd," + ps);
    EXPECT_EQ(short_psig.status, 2);
    EXPECT_TRUE(contains(short_psig.err, "--partials: partial signature of signer 2 of 3"))
        << short_psig.err;
    EXPECT_TRUE(contains(short_psig.err, "4 hex digits, expected 64 hex digits")) << short_psig.err;
}

// ---- keyagg ---------------------------------------------------------------------------------

TEST(CliMusigKeyagg, MatchesTheBip327KeyAggregationVectors) {
    const Json v = bip327("key_agg_vectors.json");
    ASSERT_TRUE(v.is_object());
    const auto& keys = v["pubkeys"];
    int checked = 0;
    for (const auto& c : v["valid_test_cases"]) {
        std::vector<std::string> args{"musig", "keyagg", "--no-sort", "--json"};
        std::vector<std::string> given;
        for (const auto& i : c["key_indices"])
            given.push_back(lower(keys[i.get<std::size_t>()].get<std::string>()));
        args.insert(args.end(), given.begin(), given.end());
        const Json j = run_json(args);
        EXPECT_EQ(j["aggregate_key"], lower(c["expected"].get<std::string>()))
            << c["key_indices"].dump();
        EXPECT_EQ(j["sorted"], false);
        EXPECT_EQ(j["signers"], Json(given));
        // Sorted by default: the same as --no-sort on the keys in KeySort order.
        std::vector<std::string> sorted = given;
        std::sort(sorted.begin(), sorted.end());
        std::vector<std::string> rev(given.rbegin(), given.rend());
        std::vector<std::string> sargs{"musig", "keyagg", "--json"};
        sargs.insert(sargs.end(), rev.begin(), rev.end());
        const Json js = run_json(sargs);
        EXPECT_EQ(js["sorted"], true);
        EXPECT_EQ(js["signers"], Json(sorted));
        std::vector<std::string> nargs{"musig", "keyagg", "--no-sort", "--json"};
        nargs.insert(nargs.end(), sorted.begin(), sorted.end());
        EXPECT_EQ(js["aggregate_key"], run_json(nargs)["aggregate_key"]);
        ++checked;
    }
    EXPECT_EQ(checked, 4);

    // Vectors 1 and 2 are the same keys in two orders: two keys unsorted, one sorted.
    const auto& c0 = v["valid_test_cases"][0];
    const auto& c1 = v["valid_test_cases"][1];
    auto text = run_cli({"musig", "keyagg", lower(keys[2].get<std::string>()),
                         lower(keys[1].get<std::string>()), lower(keys[0].get<std::string>())});
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_FALSE(contains(text.out, lower(c0["expected"].get<std::string>())));
    EXPECT_FALSE(contains(text.out, lower(c1["expected"].get<std::string>())));
    EXPECT_TRUE(contains(text.out, "Aggregate key (x-only): ")) << text.out;
    EXPECT_TRUE(contains(text.out, "(sorted)")) << text.out;
}

TEST(CliMusigKeyagg, RefusesTheBip327InvalidKeysByPosition) {
    const Json v = bip327("key_agg_vectors.json");
    ASSERT_TRUE(v.is_object());
    const auto& keys = v["pubkeys"];
    int checked = 0;
    for (const auto& c : v["error_test_cases"]) {
        if (c["error"]["type"] != "invalid_contribution" || !c["tweak_indices"].empty()) continue;
        std::vector<std::string> args{"musig", "keyagg"};
        const auto& idx = c["key_indices"];
        for (const auto& i : idx)
            args.push_back(keys[i.get<std::size_t>()].get<std::string>());
        for (bool no_sort : {false, true}) {
            auto a = args;
            if (no_sort) a.push_back("--no-sort");
            auto r = run_cli(a);
            EXPECT_EQ(r.status, 2) << c["comment"];
            const std::size_t bad = c["error"]["signer"].get<std::size_t>();
            EXPECT_TRUE(contains(
                r.err, "PUB: key " + std::to_string(bad + 1) + " of " + std::to_string(idx.size())))
                << c["comment"] << ": " << r.err;
            EXPECT_TRUE(contains(r.err, "not a valid compressed pubkey")) << r.err;
            EXPECT_EQ(r.out, "");
        }
        ++checked;
    }
    EXPECT_EQ(checked, 3);
}

TEST(CliMusigKeyagg, SortsLikeTheBip327KeySortVector) {
    const Json v = bip327("key_sort_vectors.json");
    ASSERT_TRUE(v.is_object());
    // KeySort orders any 33 bytes; keyagg also needs them to be points, so the vector's keys
    // that are not (checked here with the library's decoder) are left out of both lists.
    std::vector<std::string> given, sorted;
    std::size_t left_out = 0;
    auto valid = [](const std::string& h) {
        auto b = from_hex(h);
        return b && musig::decode_plain_pubkey(*b).ok();
    };
    for (const auto& k : v["pubkeys"]) {
        if (valid(k.get<std::string>()))
            given.push_back(lower(k.get<std::string>()));
        else
            ++left_out;
    }
    for (const auto& k : v["sorted_pubkeys"])
        if (valid(k.get<std::string>())) sorted.push_back(lower(k.get<std::string>()));
    ASSERT_GE(given.size(), 4u);
    ASSERT_EQ(given.size(), sorted.size());
    std::vector<std::string> args{"musig", "keyagg", "--json"};
    args.insert(args.end(), given.begin(), given.end());
    const Json j = run_json(args);
    EXPECT_EQ(j["signers"], Json(sorted));
    // A key given twice (the vector repeats one) is allowed by BIP327's KeyAgg.
    EXPECT_LE(left_out, 1u);

    // The sorted list as comma-separated keys gives the same.
    const Json jc = run_json({"musig", "keyagg", "--json", join(given)});
    EXPECT_EQ(jc["aggregate_key"], j["aggregate_key"]);
}

TEST(CliMusigKeyagg, RefusesMalformedKeysWithTheirPosition) {
    TempDir dir;
    const auto s = make_signers(dir, 2);
    auto xonly = run_cli({"musig", "keyagg", s[0].pub, s[1].pub.substr(2)});
    EXPECT_EQ(xonly.status, 2);
    EXPECT_TRUE(contains(xonly.err, "PUB: key 2 of 2")) << xonly.err;
    EXPECT_TRUE(contains(xonly.err, "x-only")) << xonly.err;
    auto nothex = run_cli({"musig", "keyagg", "zz" + s[0].pub.substr(2), s[1].pub});
    EXPECT_EQ(nothex.status, 2);
    EXPECT_TRUE(contains(nothex.err, "PUB: key 1 of 2")) << nothex.err;
    EXPECT_TRUE(contains(nothex.err, "not hex")) << nothex.err;
    auto none = run_cli({"musig", "keyagg"});
    EXPECT_NE(none.status, 0);
}

// ---- sign refuses ---------------------------------------------------------------------------

TEST(CliMusigSign, RefusesBadKeysAndArguments) {
    TempDir dir;
    const auto s = make_signers(dir, 3);
    const std::string list = join(pubs(s));
    auto sign = [&](const std::string& key, const std::string& msg, const std::string& signers,
                    const std::string& in = "") {
        return run_cli({"musig", "sign", "--key", key, "--message", msg, "--signers", signers}, in);
    };

    // The key is not one of the signers.
    auto outsider = sign(s[0].key_file, kMessage, s[1].pub + "," + s[2].pub);
    EXPECT_EQ(outsider.status, 2);
    EXPECT_TRUE(contains(outsider.err, "--key: its pubkey " + s[0].pub + " is not among --signers"))
        << outsider.err;
    EXPECT_EQ(outsider.out, "");  // no nonce was drawn or printed

    // A key file others can read, as the node refuses it.
    const std::string open_file = dir.file("open.wif");
    {
        std::ofstream f(open_file);
        f << proto::encode_wif(s[0].sk.bytes(), proto::WIF_VERSION_LTC_MAIN, true) << "\n";
    }
    ::chmod(open_file.c_str(), 0644);
    auto open = sign(open_file, kMessage, list);
    EXPECT_EQ(open.status, 2);
    EXPECT_TRUE(contains(open.err, "has mode 0644")) << open.err;

    auto stdin_key = sign("-", kMessage, list);
    EXPECT_EQ(stdin_key.status, 2);
    EXPECT_TRUE(contains(stdin_key.err, "standard input carries the pubnonces")) << stdin_key.err;

    auto missing = sign(dir.file("absent.wif"), kMessage, list);
    EXPECT_EQ(missing.status, 2);
    EXPECT_TRUE(contains(missing.err, "--key: ")) << missing.err;

    const std::string not_wif = dir.write("hex.key", to_hex(s[0].sk.bytes()) + "\n");
    auto hex = sign(not_wif, kMessage, list);
    EXPECT_EQ(hex.status, 2);
    EXPECT_TRUE(contains(hex.err, "not a WIF private key")) << hex.err;

    auto short_msg = sign(s[0].key_file, kMessage.substr(2), list);
    EXPECT_EQ(short_msg.status, 2);
    EXPECT_TRUE(contains(short_msg.err, "--message: 62 hex digits, expected 64 hex digits"))
        << short_msg.err;

    auto twice = sign(s[0].key_file, kMessage, list + "," + s[1].pub);
    EXPECT_EQ(twice.status, 2);
    EXPECT_TRUE(contains(twice.err, "--signers: key 4 of 4")) << twice.err;
    EXPECT_TRUE(contains(twice.err, "repeats key 2")) << twice.err;

    auto bad_signer = sign(s[0].key_file, kMessage, s[0].pub + ",03" + std::string(64, '0'));
    EXPECT_EQ(bad_signer.status, 2);
    EXPECT_TRUE(contains(bad_signer.err, "--signers: key 2 of 2")) << bad_signer.err;
}

TEST(CliMusigSign, RefusesIncompleteOrWrongPubnonces) {
    TempDir dir;
    const auto s = make_signers(dir, 3);
    const std::string list = join(pubs(s));
    const std::vector<std::string> args{"musig",     "sign",   "--key",     s[0].key_file,
                                        "--message", kMessage, "--signers", list};
    const std::string f1 = foreign_pubnonce(s[1]), f2 = foreign_pubnonce(s[2]);

    // Standard input ends early: the pubnonce was printed, nothing signed.
    auto early = run_cli(args, f1 + "\n");
    EXPECT_EQ(early.status, 2);
    EXPECT_TRUE(contains(early.err, "standard input ended after 1 of 3 pubnonces")) << early.err;
    EXPECT_EQ(early.out.size(), 133u) << early.out;  // the pubnonce line only

    // Our own position holds a pubnonce this process did not draw.
    auto not_own = run_cli(args, foreign_pubnonce(s[0]) + "\n" + f1 + "\n" + f2 + "\n");
    EXPECT_EQ(not_own.status, 2);
    EXPECT_TRUE(contains(not_own.err, "signer 1 of 3 (" + s[0].pub + ") (this signer)"))
        << not_own.err;
    EXPECT_EQ(not_own.out.size(), 133u);

    // A malformed pubnonce is named by its signer (checked before our own).
    auto bad = run_cli(args, f1 + "\n" + f1.substr(0, 130) + "\n" + f2 + "\n");
    EXPECT_EQ(bad.status, 2);
    EXPECT_TRUE(contains(bad.err, "standard input: pubnonce of signer 2 of 3 (" + s[1].pub + ")"))
        << bad.err;

    // A JSON array of the wrong length.
    auto arr = run_cli(args, "[\"" + f1 + "\", \"" + f2 + "\"]\n");
    EXPECT_EQ(arr.status, 2);
    EXPECT_TRUE(contains(arr.err, "the JSON array has 2 pubnonces for 3 signers")) << arr.err;

    auto obj = run_cli(args, "{\"nonce\": \"" + f1 + "\"}\n");
    EXPECT_EQ(obj.status, 2);
    EXPECT_TRUE(contains(obj.err, "standard input line 1")) << obj.err;
}

// ---- verify and help -----------------------------------------------------------------------

TEST(CliMusigVerify, RefusesMalformedInputWithStatus2) {
    const std::string sig(128, '1');
    auto bad_key = run_cli({"musig", "verify", "--key", std::string(64, 'f'), "--message", kMessage,
                            "--signature", sig});
    EXPECT_EQ(bad_key.status, 2);
    EXPECT_TRUE(contains(bad_key.err, "--key: not the x coordinate of a point")) << bad_key.err;
    auto short_key =
        run_cli({"musig", "verify", "--key", "abcd", "--message", kMessage, "--signature", sig});
    EXPECT_EQ(short_key.status, 2);
    EXPECT_TRUE(contains(short_key.err,
                         "--key: 4 hex digits, expected 64 hex digits (32 bytes) "
                         "or 66 hex digits (33 bytes)"))
        << short_key.err;
    auto short_sig = run_cli({"musig", "verify", "--key", to_hex(test_key(1).pubkey()), "--message",
                              kMessage, "--signature", sig.substr(2)});
    EXPECT_EQ(short_sig.status, 2);
    EXPECT_TRUE(contains(short_sig.err, "--signature: 126 hex digits")) << short_sig.err;
    // A well-formed signature that is wrong: 1.
    auto wrong = run_cli({"musig", "verify", "--key", to_hex(test_key(1).pubkey()), "--message",
                          kMessage, "--signature", sig});
    EXPECT_EQ(wrong.status, 1);
}

TEST(CliMusigVerify, AcceptsAPlainBip340SignatureOfAnIdentityKey) {
    // One key is a group of one: an ordinary BIP340 signature verifies with either key form.
    const auto sk = test_key(7);
    crypto::Hash256 m{};
    const Bytes mb = *from_hex(kMessage);
    std::copy(mb.begin(), mb.end(), m.begin());
    const std::string sig = to_hex(crypto::schnorr_sign(sk, m));
    const std::string pub = to_hex(sk.pubkey());
    for (const std::string& key : {pub, pub.substr(2)}) {
        auto r =
            run_cli({"musig", "verify", "--key", key, "--message", kMessage, "--signature", sig});
        EXPECT_EQ(r.status, 0) << key << ": " << r.err;
    }
}

TEST(CliMusigHelp, ListsTheSubcommands) {
    auto r = run_cli({"musig", "--help"});
    EXPECT_EQ(r.status, 0) << r.err;
    for (const char* w : {"keyagg", "sign", "aggregate", "verify", "MuSig2", "Exit status"})
        EXPECT_TRUE(contains(r.out, w)) << w << "\n" << r.out;
    auto s = run_cli({"musig", "sign", "--help"});
    EXPECT_EQ(s.status, 0);
    EXPECT_TRUE(contains(s.out, "--signing-key-file")) << s.out;
}
