#include "node/signing_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "node/files.hpp"
#include "proto/keys_io.hpp"
#include "util/numeric.hpp"

namespace sharemsg::node {

namespace {

constexpr const char* kSecret = "signing_key.secret";
constexpr const char* kPending = "signing_key.secret.new";
constexpr const char* kKeyList = "signing_keys.json";
constexpr const char* kState = "signing_key.json";

Result<SigningKeys::Configured> read_secret_file(const std::string& path) {
    auto text = read_file(path);
    if (!text) return text.error();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("wif") || !j["wif"].is_string() || !j.contains("key_index") ||
        !j["key_index"].is_number_unsigned())
        return make_error(Errc::bad_encoding, path + ": not a signing key file");
    SigningKeys::Configured s;
    s.wif = j["wif"].get<std::string>();
    s.key_index = saturate_cast<std::uint32_t>(j["key_index"].get<std::uint64_t>());
    if (j.contains("delegation") && j["delegation"].is_string())
        s.delegation = j["delegation"].get<std::string>();
    return s;
}

std::string secret_text(const SigningKeys::Configured& k) {
    nlohmann::ordered_json j;
    j["wif"] = k.wif;
    j["key_index"] = k.key_index;
    j["delegation"] = k.delegation;
    return j.dump() + "\n";
}

Result<proto::DerivedSigningKey> key_from_wif(const std::string& wif, std::uint32_t index) {
    auto k = proto::decode_wif(wif);
    if (!k) return make_error(Errc::bad_key, "signing key: " + k.error().reason);
    return proto::DerivedSigningKey::from_signing_key(k->secret, index);
}

}  // namespace

SigningKeys::SigningKeys(std::string datadir, KeyNetwork net)
    : datadir_(std::move(datadir)), net_(net) {}

std::string SigningKeys::path(const char* name) const {
    return datadir_ + "/" + name;
}

Result<SigningKeys::Bound> SigningKeys::bind(const proto::DerivedSigningKey& key,
                                             const std::string& delegation_hex,
                                             const ByteArray<20>& payout, bool adopt_payout) const {
    if (!net_.open_profile) return Bound{};
    if (delegation_hex.empty()) {
        spdlog::warn(
            "no delegation for signing key {}: other nodes cannot bind it to an address, "
            "so its messages will not verify (derive it with `sharemsg derive-key "
            "--delegation-network ...`)",
            to_hex(key.signing_id()));
        return Bound{};
    }
    auto d = proto::open::parse_delegation_hex(delegation_hex);
    if (!d) return d.error();
    auto ann = proto::open::make_announcement(key, *d, net_.network_id);
    if (!ann) return ann.error();
    Bound b;
    b.announcement = *ann;
    if (ann->address_hash() != payout) {
        if (!adopt_payout)
            return make_error(
                Errc::invalid_argument,
                "the delegation's master key pays " +
                    proto::p2pkh_address_from_hash160(ann->address_hash(), net_.address_version) +
                    ", not this node's payout address " +
                    proto::p2pkh_address_from_hash160(payout, net_.address_version));
        // Shares must pay the master key's address for the delegation to bind.
        b.adopted_payout = ann->address_hash();
    }
    return b;
}

void SigningKeys::settle_pending(const std::optional<store::KeyState>& db_state) const {
    const std::string pending = path(kPending);
    auto p = read_secret_file(pending);
    if (!p && p.error().code == Errc::not_found) return;
    auto k = p ? key_from_wif(p->wif, p->key_index) : Result<proto::DerivedSigningKey>(p.error());
    if (k && db_state && db_state->signing_id == k->signing_id() &&
        db_state->key_index == k->key_index()) {
        // The database has the rotation: it was acknowledged, only the rename was missing.
        if (::rename(pending.c_str(), path(kSecret).c_str()) == 0 && sync_dir(datadir_)) {
            spdlog::info("completed the rotation to signing key index {} ({} renamed to {})",
                         k->key_index(), kPending, kSecret);
            return;
        }
        spdlog::error("{}: cannot rename to {}: {}", pending, kSecret, std::strerror(errno));
        return;
    }
    // Never committed: the rotation did not happen.
    spdlog::warn("{}: a rotation that was not saved in the database; removed{}", pending,
                 k ? "" : " (" + k.error().reason + ")");
    ::unlink(pending.c_str());
    (void)sync_dir(datadir_);
}

Result<std::optional<SigningKeys::Started>> SigningKeys::start(
    const std::optional<Configured>& configured, const std::optional<store::KeyState>& db_state,
    const ByteArray<20>& payout, bool adopt_payout, double now) {
    settle_pending(db_state);
    // Candidates: the configured key, and a key installed by /msg/rotate_key. The highest
    // index wins; a lower one than in use is refused.
    std::optional<Configured> chosen = configured;
    const std::string secret_path = path(kSecret);
    if (auto s = read_secret_file(secret_path); !s) {
        if (s.error().code != Errc::not_found) spdlog::warn("{}", s.error().reason);
    } else if (!chosen || s->key_index > chosen->key_index) {
        if (chosen)
            spdlog::warn(
                "using the rotated signing key (index {}) from {}, not --signing-key (index {})",
                s->key_index, secret_path, chosen->key_index);
        chosen = *s;
    }
    if (!chosen) {
        spdlog::info("no signing key: messaging is off (use --signing-key-file)");
        return std::optional<Started>{};
    }
    auto key = key_from_wif(chosen->wif, chosen->key_index);
    if (!key) return key.error();
    if (db_state) {
        if (key->key_index() < db_state->key_index)
            return make_error(Errc::invalid_argument,
                              "--signing-key-index " + std::to_string(key->key_index()) +
                                  " is lower than the index in use (" +
                                  std::to_string(db_state->key_index) +
                                  "); that key was revoked by the rotation");
        if (key->key_index() == db_state->key_index && key->signing_id() != db_state->signing_id)
            return make_error(Errc::invalid_argument,
                              "key index " + std::to_string(key->key_index()) +
                                  " is already used by signing id " + to_hex(db_state->signing_id) +
                                  "; derive the next index to rotate");
    }
    store::KeyState st = db_state.value_or(store::KeyState{});
    if (!db_state) {
        st.created = now;
    } else if (key->key_index() > db_state->key_index) {
        st.last_rotated = now;
        spdlog::info("signing key rotated: index {} -> {}", db_state->key_index, key->key_index());
    }
    st.key_index = key->key_index();
    st.signing_id = key->signing_id();
    auto bound = bind(*key, chosen->delegation, payout, adopt_payout);
    if (!bound)
        return make_error(Errc::invalid_argument,
                          "--signing-key-delegation: " + bound.error().reason);
    std::vector<proto::DerivedSigningKey> others;
    if (auto r = remember(chosen->wif, chosen->key_index)) {
        others = std::move(*r);
        if (!others.empty())
            spdlog::info("{} earlier signing key(s) kept to read old private messages",
                         others.size());
    } else {
        spdlog::warn("{}", r.error().reason);
    }
    {
        std::lock_guard lk(mu_);
        key_.emplace(std::move(*key));
        announcement_ = bound->announcement;
        state_ = st;
        retired_ = std::move(others);
    }
    return std::optional<Started>{Started{st, bound->adopted_payout}};
}

Result<std::vector<proto::DerivedSigningKey>> SigningKeys::remember(const std::string& wif,
                                                                    std::uint32_t key_index) const {
    const std::string list = path(kKeyList);
    auto current = key_from_wif(wif, key_index);
    if (!current) return current.error();
    nlohmann::ordered_json file;
    file["keys"] = nlohmann::ordered_json::array();
    std::vector<proto::DerivedSigningKey> others;
    bool listed = false;
    auto text = read_file(list);
    if (!text && text.error().code != Errc::not_found)
        return make_error(Errc::io, list + ": " + text.error().reason);
    if (text) {
        auto j = nlohmann::ordered_json::parse(*text, nullptr, false);
        if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array())
            return make_error(Errc::bad_encoding,
                              list + ": not a key list; earlier keys are not read");
        for (const auto& e : j["keys"]) {
            if (!e.is_object() || !e.contains("wif") || !e["wif"].is_string() ||
                !e.contains("key_index") || !e["key_index"].is_number_unsigned())
                continue;
            auto k =
                key_from_wif(e["wif"].get<std::string>(),
                             saturate_cast<std::uint32_t>(e["key_index"].get<std::uint64_t>()));
            if (!k) continue;
            file["keys"].push_back(e);
            if (k->signing_id() == current->signing_id())
                listed = true;
            else
                others.push_back(std::move(*k));
        }
    }
    if (!listed) {
        nlohmann::ordered_json e;
        e["wif"] = wif;
        e["key_index"] = key_index;
        e["signing_id"] = to_hex(current->signing_id());
        file["keys"].push_back(std::move(e));
        auto w = write_file_atomic(list, file.dump(1) + "\n", 0600);
        if (!w)
            return make_error(Errc::io,
                              list + ": " + w.error().reason +
                                  " (private messages to this key will not be readable after "
                                  "a rotation)");
    }
    return others;
}

std::variant<SigningKeys::Pending, SigningKeys::Refused> SigningKeys::begin_rotation(
    const std::string& wif, std::uint32_t key_index, const std::string& delegation,
    const ByteArray<20>& payout, double now) {
    std::optional<store::KeyState> st;
    std::optional<proto::SigningId> previous;
    {
        std::lock_guard lk(mu_);
        if (pending_)
            return Refused{Refusal::in_progress,
                           "a rotation to key index " + std::to_string(pending_->state.key_index) +
                               " is being saved; try again when it is answered"};
        st = state_;
        if (key_) previous = key_->signing_id();
    }
    auto key = key_from_wif(wif, key_index);
    if (!key) return Refused{Refusal::bad_key, key.error().reason};
    if (st && key_index <= st->key_index)
        return Refused{Refusal::index_not_higher, "key_index " + std::to_string(key_index) +
                                                      " must be higher than the index in use (" +
                                                      std::to_string(st->key_index) + ")"};
    if (net_.open_profile && delegation.empty())
        return Refused{Refusal::missing_delegation,
                       "this network binds keys to addresses: give the \"delegation\" that "
                       "`sharemsg derive-key --delegation-network` printed for the new key"};
    auto bound = bind(*key, delegation, payout, false);
    if (!bound) return Refused{Refusal::bad_delegation, bound.error().reason};
    if (auto r = remember(wif, key_index); !r) spdlog::warn("{}", r.error().reason);
    // Durable before it takes effect: the new key is on disk (and the directory synced)
    // before its database row is written.
    if (auto w = write_file_atomic(path(kPending), secret_text({wif, key_index, delegation}), 0600);
        !w)
        return Refused{Refusal::not_stored, "the new key could not be saved: " + w.error().reason +
                                                "; the old key stays in use"};
    store::KeyState ns = st.value_or(store::KeyState{});
    if (!st) ns.created = now;
    ns.key_index = key->key_index();
    ns.signing_id = key->signing_id();
    ns.last_rotated = now;
    Pending p{ns, key->signing_id(), previous};
    std::lock_guard lk(mu_);
    pending_.emplace(Rotation{std::move(*key), bound->announcement, ns});
    counted_while_pending_ = false;
    return p;
}

std::optional<store::KeyState> SigningKeys::finish_rotation(bool committed) {
    std::optional<Rotation> r;
    {
        std::lock_guard lk(mu_);
        r = std::move(pending_);
        pending_.reset();
    }
    if (!r) return std::nullopt;
    const std::string pending = path(kPending);
    if (!committed) {
        if (::unlink(pending.c_str()) != 0 && errno != ENOENT)
            spdlog::error("{}: cannot remove: {} (the next start removes it)", pending,
                          std::strerror(errno));
        (void)sync_dir(datadir_);
        std::lock_guard lk(mu_);
        const bool counted = std::exchange(counted_while_pending_, false);
        return counted ? state_ : std::nullopt;
    }
    // The database has the new state: the file follows (if this rename fails, the next
    // start completes it from the database).
    if (::rename(pending.c_str(), path(kSecret).c_str()) != 0) {
        spdlog::error("{}: cannot rename to {}: {} (the next start completes it)", pending, kSecret,
                      std::strerror(errno));
    } else if (auto s = sync_dir(datadir_); !s) {
        spdlog::error("{}", s.error().reason);
    }
    std::optional<store::KeyState> resave;
    {
        std::lock_guard lk(mu_);
        if (key_) retired_.push_back(*key_);
        key_.emplace(std::move(r->key));
        announcement_ = r->announcement;
        store::KeyState ns = r->state;
        if (state_) ns.messages_signed = state_->messages_signed;  // counted meanwhile
        state_ = ns;
        if (std::exchange(counted_while_pending_, false)) resave = state_;
    }
    save_state_file();
    return resave;
}

std::optional<store::KeyState> SigningKeys::count_signed(std::size_t n) {
    std::lock_guard lk(mu_);
    if (!state_ || !key_) return std::nullopt;
    state_->messages_signed += n;
    if (pending_) {
        counted_while_pending_ = true;
        return std::nullopt;
    }
    return state_;
}

void SigningKeys::save_state_file() const {
    std::optional<store::KeyState> st;
    {
        std::lock_guard lk(mu_);
        if (key_) st = state_;
    }
    if (!st) return;
    nlohmann::ordered_json j;
    j["key_index"] = st->key_index;
    j["signing_id"] = to_hex(st->signing_id);
    j["created"] = saturate_cast<std::int64_t>(st->created);
    j["last_rotated"] = st->last_rotated
                            ? nlohmann::ordered_json(saturate_cast<std::int64_t>(*st->last_rotated))
                            : nlohmann::ordered_json();
    j["messages_signed"] = st->messages_signed;
    auto w = write_file_atomic(path(kState), j.dump(4) + "\n", 0600);
    if (!w) spdlog::error("{} not written: {}", kState, w.error().reason);
}

bool SigningKeys::has_key() const {
    std::lock_guard lk(mu_);
    return key_.has_value();
}

std::optional<proto::DerivedSigningKey> SigningKeys::key() const {
    std::lock_guard lk(mu_);
    return key_;
}

std::optional<proto::SigningId> SigningKeys::signing_id() const {
    std::lock_guard lk(mu_);
    if (!key_) return std::nullopt;
    return key_->signing_id();
}

std::optional<proto::open::BoundAnnouncement> SigningKeys::announcement() const {
    std::lock_guard lk(mu_);
    return announcement_;
}

SigningKeys::Snapshot SigningKeys::snapshot() const {
    std::lock_guard lk(mu_);
    return {key_, key_ ? state_ : std::nullopt};
}

std::optional<proto::DerivedSigningKey> SigningKeys::key_for(const proto::ShareMessage& m) const {
    auto party = [&](const proto::DerivedSigningKey& k) {
        return (m.recipient && *m.recipient == k.signing_id()) ||
               (m.signing_id && *m.signing_id == k.signing_id());
    };
    std::lock_guard lk(mu_);
    if (key_ && party(*key_)) return key_;
    for (const auto& k : retired_)
        if (party(k)) return k;
    return std::nullopt;
}

Result<std::string> read_signing_key_file(const std::string& path, std::istream& in) {
    std::string line;
    if (path == "-") {
        std::getline(in, line);
    } else {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return make_error(errno == ENOENT ? Errc::not_found : Errc::io,
                              path + ": " + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            const int err = errno;
            ::close(fd);
            return make_error(Errc::io, path + ": " + std::strerror(err));
        }
        if (st.st_mode & 077) {
            ::close(fd);
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            return make_error(Errc::invalid_argument,
                              path + " has mode " + mode +
                                  ": other users may read or change the signing key; run "
                                  "`chmod 600 " +
                                  path + "`");
        }
        // The first line is all that is needed (a WIF is 52 characters).
        char buf[1024];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) != 0) {
            if (n < 0) {
                if (errno == EINTR) continue;
                const int err = errno;
                ::close(fd);
                return make_error(Errc::io, path + ": " + std::strerror(err));
            }
            line.append(buf, static_cast<std::size_t>(n));
            if (line.find('\n') != std::string::npos || line.size() > 4096) break;
        }
        ::close(fd);
        line = line.substr(0, line.find('\n'));
    }
    const auto first = line.find_first_not_of(" \t\r\n");
    const auto last = line.find_last_not_of(" \t\r\n");
    if (first == std::string::npos)
        return make_error(Errc::invalid_argument,
                          (path == "-" ? std::string("standard input") : path) +
                              ": no signing key (a WIF on the first line)");
    return line.substr(first, last - first + 1);
}

}  // namespace sharemsg::node
