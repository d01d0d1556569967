// Reference behaviours we deliberately do not reproduce, each behind a switch.
//
// Our defaults are all false. The conformance runner turns a switch on only to show that a
// vector which disagrees with us matches the reference's quirk exactly, and then reports
// that vector as an intentional difference. docs/protocol-differences.md explains each.
#pragma once

namespace sharemsg::proto {

struct ReferenceQuirks {
    // Ban list: keywords read from the file keep their case (so upper-case ones never match).
    bool keywords_loaded_verbatim = false;
    // Ban list: a payload that is not valid UTF-8 escapes keyword bans.
    bool keywords_skip_invalid_utf8 = false;
    // Store: the max_messages cap may evict an authority transition signal.
    bool cap_evicts_transition_signals = false;
    // Store: process_share fails as a whole when the envelope decrypts without a valid
    // announcement, or when a signature or announced key cannot be parsed.
    bool process_share_aborts = false;
    // pack_share_messages: pack a message whose signed flags lack FLAG_PROTOCOL_AUTHORITY or
    // FLAG_HAS_SIGNATURE with those bits ORed in, which invalidates its signature on the
    // wire (and the share under the V36 rule). We refuse such a message instead.
    bool pack_rewrites_signed_flags = false;
    // A message whose wire timestamp is 0 takes the current time (the reference's
    // constructor does this even on unpack, so its hash no longer covers the wire bytes).
    // Applied by MessageStore::process_share; we keep the wire timestamp.
    bool timestamp_zero_is_now = false;

    static ReferenceQuirks all() { return {true, true, true, true, true, true}; }
};

}  // namespace sharemsg::proto
