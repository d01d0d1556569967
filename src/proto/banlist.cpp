#include "proto/banlist.hpp"

#include "util/text.hpp"

namespace sharemsg::proto {

bool BanList::valid(std::string_view s) {
    return is_valid_utf8(as_bytes(s));
}
bool BanList::ban_keyword(std::string_view kw) {
    return valid(kw) && keywords_.insert(utf8_lower(kw)).second;
}
bool BanList::unban_keyword(std::string_view kw) {
    return keywords_.erase(utf8_lower(kw)) > 0;
}

bool BanList::is_banned(const ShareMessage& m) const {
    if (m.is_protocol_authority()) return false;
    if (types_.count(m.msg_type)) return true;
    if (m.sender_address && !m.sender_address->empty() && addresses_.count(*m.sender_address))
        return true;
    if (m.signing_id && ids_.count(to_hex(*m.signing_id))) return true;
    if (!keywords_.empty()) {
        std::string text;
        if (is_valid_utf8(m.payload)) {
            text = utf8_lower(std::string(m.payload.begin(), m.payload.end()));
        } else if (!quirks_.keywords_skip_invalid_utf8) {
            // The reference lets ill-formed UTF-8 escape keyword bans; we match on the
            // decodable text instead.
            text = utf8_lower(utf8_lossy(m.payload));
        }
        for (const auto& kw : keywords_)
            if (text.find(kw) != std::string::npos) return true;
    }
    return false;
}

nlohmann::ordered_json BanList::to_json() const {
    nlohmann::ordered_json j;
    j["signing_ids"] = ids_;
    j["addresses"] = addresses_;
    j["keywords"] = keywords_;
    j["types"] = types_;
    auto names = nlohmann::ordered_json::array();
    for (int t : types_)
        names.push_back(type_short_name(static_cast<std::uint8_t>(t)));
    j["type_names"] = std::move(names);
    return j;
}

namespace {
template <class Set, class Fmt>
void write_list(std::string& out, const char* key, const Set& set, Fmt fmt, bool last) {
    out += "  \"";
    out += key;
    out += "\": ";
    if (set.empty()) {
        out += "[]";
    } else {
        out += "[\n";
        std::size_t i = 0;
        for (const auto& v : set) {
            out += "    " + fmt(v);
            out += (++i < set.size()) ? ", \n" : "\n";
        }
        out += "  ]";
    }
    out += last ? "\n" : ", \n";
}
}  // namespace

std::string BanList::to_file_text() const {
    auto str = [](const std::string& s) { return json_quote_ascii(s); };
    auto num = [](int v) { return std::to_string(v); };
    std::string out = "{\n";
    write_list(out, "signing_ids", ids_, str, false);
    write_list(out, "addresses", addresses_, str, false);
    write_list(out, "keywords", keywords_, str, false);
    write_list(out, "types", types_, num, true);
    out += "}";
    return out;
}

Result<BanList> BanList::from_file_text(std::string_view text, ReferenceQuirks quirks,
                                        std::string* warnings) {
    auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) return make_error(Errc::bad_encoding, "ban list: not valid JSON");
    if (!j.is_object())
        return make_error(Errc::bad_encoding, "ban list: top level is not a JSON object");
    BanList b(quirks);
    auto warn = [&](const std::string& w) {
        if (warnings) *warnings += w + "\n";
    };
    auto strings = [&](const char* key, auto insert) {
        if (!j.contains(key)) return;
        const auto& arr = j[key];
        if (!arr.is_array()) {
            warn(std::string("ban list: \"") + key + "\" is not a list; ignored");
            return;
        }
        for (const auto& v : arr) {
            if (v.is_string()) {
                insert(v.get<std::string>());
            } else {
                warn(std::string("ban list: non-string entry in \"") + key + "\" ignored");
            }
        }
    };
    strings("signing_ids", [&](const std::string& s) { b.ids_.insert(s); });
    strings("addresses", [&](const std::string& s) { b.addresses_.insert(s); });
    strings("keywords", [&](const std::string& s) {
        b.keywords_.insert(quirks.keywords_loaded_verbatim ? s : utf8_lower(s));
    });
    if (j.contains("types")) {
        if (!j["types"].is_array()) {
            warn("ban list: \"types\" is not a list; ignored");
        } else {
            for (const auto& v : j["types"]) {
                if (v.is_number_integer() && v.get<std::int64_t>() >= 0 &&
                    v.get<std::int64_t>() <= 255) {
                    b.types_.insert(v.get<int>());
                } else {
                    warn("ban list: type entry " + v.dump() + " is not a byte; ignored");
                }
            }
        }
    }
    return b;
}

}  // namespace sharemsg::proto
