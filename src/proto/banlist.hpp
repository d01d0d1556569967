// Node-local ban list: hides messages from this node's API and pages only. Bans never
// affect share validation or relay. Authority messages are never hidden.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proto/compat.hpp"
#include "proto/message.hpp"

namespace sharemsg::proto {

class BanList {
  public:
    explicit BanList(ReferenceQuirks quirks = {}) : quirks_(quirks) {}

    // Each returns true when the set changed. Strings that are not valid UTF-8 are refused
    // (returns false): the list must always serialize as JSON.
    bool ban_signing_id(const std::string& hex) { return valid(hex) && ids_.insert(hex).second; }
    bool ban_address(const std::string& a) { return valid(a) && addresses_.insert(a).second; }
    bool ban_keyword(std::string_view kw);  // stored lower-cased
    bool ban_type(std::uint8_t t) { return types_.insert(t).second; }
    bool unban_signing_id(const std::string& hex) { return ids_.erase(hex) > 0; }
    bool unban_address(const std::string& a) { return addresses_.erase(a) > 0; }
    bool unban_keyword(std::string_view kw);
    bool unban_type(std::uint8_t t) { return types_.erase(t) > 0; }

    // True when the message should be hidden from this node's display.
    bool is_banned(const ShareMessage& m) const;

    // {"signing_ids","addresses","keywords","types","type_names"}, sorted.
    nlohmann::ordered_json to_json() const;

    // The persisted file (banned_senders.json) byte-for-byte as the reference writes it:
    // json.dump(indent=2) with ", " separators and ASCII escapes.
    std::string to_file_text() const;
    // Loads tolerantly: unknown keys and ill-typed entries are skipped, and what was skipped
    // is described in `warnings` (if given). Text that is not a JSON object yields an error.
    static Result<BanList> from_file_text(std::string_view text, ReferenceQuirks quirks = {},
                                          std::string* warnings = nullptr);

    bool empty() const {
        return ids_.empty() && addresses_.empty() && keywords_.empty() && types_.empty();
    }
    const std::set<std::string>& signing_ids() const { return ids_; }
    const std::set<std::string>& addresses() const { return addresses_; }
    const std::set<std::string>& keywords() const { return keywords_; }
    const std::set<int>& types() const { return types_; }

  private:
    static bool valid(std::string_view s);
    ReferenceQuirks quirks_;
    std::set<std::string> ids_, addresses_, keywords_;
    std::set<int> types_;
};

}  // namespace sharemsg::proto
