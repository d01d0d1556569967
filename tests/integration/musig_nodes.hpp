// MuSig2 signing sessions between real sharemsgd processes (docs/musig.md, "Sessions between
// nodes"): a mailbox daemon (--mailbox, mining shares that pay the one master of every test
// identity, so each is authorized) and n signer daemons with --musig and --mailbox-url, each
// with its own signing key of that master. Session frames travel by mail between them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace itest {

class MusigNodes {
  public:
    // Starts the mailbox and n signers (extra: more flags for every signer; mailbox_extra: for
    // the mailbox). ok() says whether all of it started; failure() what did not.
    MusigNodes(const std::string& name, std::size_t n, std::vector<std::string> extra = {},
               const std::vector<std::string>& mailbox_extra = {})
        : dir_(test_dir(name)), extra_(std::move(extra)) {
        mailbox_ = std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / "mailbox");
        std::vector<std::string> mailbox_args{"--mailbox", "--share-period", "0.3", "--address",
                                              test_signing_key(1, 0).master_hash};
        mailbox_args.insert(mailbox_args.end(), mailbox_extra.begin(), mailbox_extra.end());
        if (!mailbox_->start(mailbox_args)) {
            failure_ = "the mailbox did not start: " + mailbox_->log();
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            keys_.push_back(test_signing_key(1, static_cast<std::uint32_t>(i)));
            nodes_.push_back(
                std::make_unique<Daemon>(SHAREMSGD_PATH, dir_ / ("signer" + std::to_string(i))));
            if (!start(i)) {
                failure_ = "signer " + std::to_string(i) + " did not start: " + nodes_[i]->log();
                return;
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            if (!registered(i)) {
                failure_ = "signer " + std::to_string(i) +
                           " did not register with the mailbox: " + nodes_[i]->log();
                return;
            }
    }

    bool ok() const { return failure_.empty(); }
    const std::string& failure() const { return failure_; }
    std::size_t size() const { return nodes_.size(); }
    Daemon& node(std::size_t i) { return *nodes_.at(i); }
    Daemon& mailbox() { return *mailbox_; }
    const TestKey& key(std::size_t i) const { return keys_.at(i); }
    // Every signer's signing pubkey, in signer order (66 hex each).
    nlohmann::json signers() const {
        nlohmann::json a = nlohmann::json::array();
        for (const auto& k : keys_)
            a.push_back(k.signing_pubkey);
        return a;
    }

    bool start(std::size_t i) {
        std::vector<std::string> args{"--musig", "--mailbox-url",
                                      "http://127.0.0.1:" + std::to_string(mailbox_->web_port)};
        for (const auto& f : key_flags(keys_.at(i)))
            args.push_back(f);
        for (const auto& f : extra_)
            args.push_back(f);
        return nodes_.at(i)->start(args);
    }
    bool registered(std::size_t i) {
        using namespace std::chrono_literals;
        return wait_until(
            [&] {
                return nodes_.at(i)->call("GET", "/mail/status").json().value("registered", false);
            },
            60s);
    }

    // The session `id` as node i sees it (null when it does not hold it).
    nlohmann::json session(std::size_t i, const std::string& id) {
        const auto r = nodes_.at(i)->call("GET", "/musig/session/" + id);
        return r.status == 200 ? r.json() : nlohmann::json();
    }

  private:
    fs::path dir_;
    std::vector<std::string> extra_;
    std::unique_ptr<Daemon> mailbox_;
    std::vector<TestKey> keys_;
    std::vector<std::unique_ptr<Daemon>> nodes_;
    std::string failure_;
};

}  // namespace itest
