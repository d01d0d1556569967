// What a broken rule costs a peer: the one table from util/rule.hpp's Rule to its name (the
// `rule` label of the metrics and the log), the penalty score, and whether it bans at once.
//
// Scores follow the reference (p2pool/p2p.py, p2protocol.py): what it raises as
// PeerMisbehavingError or badPeerHappened (bad PoW, bad checksum, protocol order, an old peer)
// disconnects and bans; a share that fails a ValueError check is skipped and costs
// MINOR_SCORE, so that a flood of them still ends in a ban. Our own additions (a malformed
// message or share, the message_data rules, an oversized sharereq or shares list) ban: no
// honest peer sends them.
#pragma once

#include "util/rule.hpp"

namespace sharemsg::node {

inline constexpr int BAN_SCORE = 100;   // a peer whose score reaches it is disconnected and banned
inline constexpr int MINOR_SCORE = 10;  // a share skipped for a rule that does not ban

struct RulePolicy {
    Rule rule;
    const char* name;  // snake_case; the metrics' `rule` label
    int score;         // points added to the peer's score
    bool bans;         // disconnect and ban at once, whatever the score
};

// The row of `r` (every Rule has one; checked at compile time).
const RulePolicy& rule_policy(Rule r);
inline const char* rule_name(Rule r) {
    return rule_policy(r).name;
}

// score + points, saturating at the int range (a score never wraps around).
int add_score(int score, int points);

}  // namespace sharemsg::node
