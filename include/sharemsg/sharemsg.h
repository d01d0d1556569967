/* libsharemsg: P2Pool share messaging for pool nodes, as a C ABI.
 *
 * What a pool node calls, at the four points where share messaging meets it:
 *   1. share parsing          sharemsg_share_parse (a V36 share's fields and message_data)
 *   2. share verification     sharemsg_verify_message_data (the V36 message_data rule)
 *   3. work generation        sharemsg_outbox_* (message_data for the shares it mines)
 *   4. web API                sharemsg_store_* (the message store and its JSON)
 *
 * Conventions, for every function below:
 *   - No C++ exception crosses this interface. Functions that can fail return a
 *     sharemsg_status (SHAREMSG_OK = 0) and, when `err` is not NULL, fill it with the same
 *     code and a one-line message; on success `err` is cleared. `err` may always be NULL.
 *   - Handles (sharemsg_context, sharemsg_verdict, ...) are opaque. Each is created by one
 *     function and released by its own *_destroy function, which accepts NULL.
 *   - Bytes and strings the library allocates for the caller (uint8_t** / char** outputs)
 *     are the caller's and must be released with sharemsg_free. On failure such an output
 *     is set to NULL (and its length to 0).
 *   - Pointers returned by accessors (const char*, const uint8_t*, const sharemsg_message*)
 *     are borrowed: they stay valid until the handle they came from is destroyed.
 *   - Input pointers are only read during the call; the library keeps no reference to them.
 *     A NULL data pointer is accepted when its length is 0.
 *   - Threads: a sharemsg_context may be used from several threads at once (its verify-once
 *     cache takes a lock). Every other handle belongs to one thread at a time.
 *   - Byte order: hashes are returned as bytes in the order SHA-256 produces them; a share
 *     hash passed in is the 32 bytes as displayed (big-endian, the reference's "%064x").
 */
#ifndef SHAREMSG_H
#define SHAREMSG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define SHAREMSG_NOEXCEPT noexcept
#else
#define SHAREMSG_NOEXCEPT
#endif

#if defined(__GNUC__)
#define SHAREMSG_API __attribute__((visibility("default")))
#else
#define SHAREMSG_API
#endif

#define SHAREMSG_VERSION_MAJOR 0
#define SHAREMSG_VERSION_MINOR 1
#define SHAREMSG_VERSION_PATCH 0

/* ---------------------------------------------------------------- errors ---- */

typedef enum sharemsg_status {
    SHAREMSG_OK = 0,
    SHAREMSG_ERR_TRUNCATED = 1,        /* input ended before a field was complete */
    SHAREMSG_ERR_OVERSIZE = 2,         /* a length or count over what the format allows */
    SHAREMSG_ERR_TRAILING_BYTES = 3,   /* bytes left over where the format forbids them */
    SHAREMSG_ERR_BAD_VERSION = 4,      /* unknown version byte or share type */
    SHAREMSG_ERR_BAD_ENCODING = 5,     /* hex, DER or UTF-8 not well-formed */
    SHAREMSG_ERR_BAD_KEY = 6,          /* not a valid secp256k1 key */
    SHAREMSG_ERR_BAD_SIGNATURE = 7,    /* a signature that does not verify */
    SHAREMSG_ERR_NOT_AUTHORITY = 8,    /* not signed or encrypted by a known authority */
    SHAREMSG_ERR_INVALID_ARGUMENT = 9, /* a caller-supplied value out of range, or NULL */
    SHAREMSG_ERR_NOT_FOUND = 10,
    SHAREMSG_ERR_IO = 11,
    SHAREMSG_ERR_NO_MEMORY = 100, /* an allocation failed; nothing was changed */
    SHAREMSG_ERR_INTERNAL = 101   /* a bug in the library; the message says where */
} sharemsg_status;

#define SHAREMSG_ERROR_MESSAGE_SIZE 256

/* Filled by failing functions. `message` is NUL-terminated, truncated to fit. */
typedef struct sharemsg_error {
    int code; /* a sharemsg_status */
    char message[SHAREMSG_ERROR_MESSAGE_SIZE];
} sharemsg_error;

/* The status's name ("SHAREMSG_ERR_TRUNCATED"); a static string, never NULL. */
SHAREMSG_API const char* sharemsg_status_name(int status) SHAREMSG_NOEXCEPT;

/* The library's version, "MAJOR.MINOR.PATCH"; a static string. */
SHAREMSG_API const char* sharemsg_version(void) SHAREMSG_NOEXCEPT;

/* Releases bytes or a string the library allocated for the caller. NULL is accepted. */
SHAREMSG_API void sharemsg_free(void* p) SHAREMSG_NOEXCEPT;

/* SHA256d of message_data, or 32 zero bytes when `len` is 0 (what the V36 ref_hash covers).
 * `out` receives 32 bytes. */
SHAREMSG_API int sharemsg_message_data_hash(const uint8_t* data, size_t len, uint8_t out[32],
                                            sharemsg_error* err) SHAREMSG_NOEXCEPT;

/* --------------------------------------------------------------- context ---- */

/* The authority keys a context trusts. */
typedef enum sharemsg_authorities {
    /* forrestv (03ffd03d...) and the maintainer key (02fe6578...): the deployed network. */
    SHAREMSG_AUTHORITIES_MAINNET = 0,
    /* The reference's two public test authorities (their private keys are published in the
     * test vectors): for tests only, never on a real network. */
    SHAREMSG_AUTHORITIES_TEST = 1
} sharemsg_authorities;

typedef struct sharemsg_context sharemsg_context;

/* Creates a context trusting `authorities`. *out is the caller's; destroy it with
 * sharemsg_context_destroy after every handle created from it is destroyed. */
SHAREMSG_API int sharemsg_context_create(int authorities, sharemsg_context** out,
                                         sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_context_destroy(sharemsg_context* ctx) SHAREMSG_NOEXCEPT;

/* How many sharemsg_verify_message_data calls the verify-once cache answered (hits) and
 * how many ran the signature checks (misses). Either pointer may be NULL. */
SHAREMSG_API void sharemsg_context_cache_stats(const sharemsg_context* ctx, uint64_t* hits,
                                               uint64_t* misses) SHAREMSG_NOEXCEPT;

/* -------------------------------------------------------------- messages ---- */

/* A share message, borrowed from the handle that holds it (a verdict, an unpacked envelope). */
typedef struct sharemsg_message sharemsg_message;

SHAREMSG_API uint8_t sharemsg_message_type(const sharemsg_message* m) SHAREMSG_NOEXCEPT;
/* Flags as trusted locally: 0x08 (protocol authority) only once a verification earned it. */
SHAREMSG_API uint8_t sharemsg_message_flags(const sharemsg_message* m) SHAREMSG_NOEXCEPT;
/* The flags byte as carried on the wire (covered by the signature). */
SHAREMSG_API uint8_t sharemsg_message_wire_flags(const sharemsg_message* m) SHAREMSG_NOEXCEPT;
SHAREMSG_API uint32_t sharemsg_message_timestamp(const sharemsg_message* m) SHAREMSG_NOEXCEPT;
/* The payload; *len receives its size. Borrowed. */
SHAREMSG_API const uint8_t* sharemsg_message_payload(const sharemsg_message* m,
                                                     size_t* len) SHAREMSG_NOEXCEPT;
/* The DER signature (empty when unsigned); *len receives its size. Borrowed. */
SHAREMSG_API const uint8_t* sharemsg_message_signature(const sharemsg_message* m,
                                                       size_t* len) SHAREMSG_NOEXCEPT;
/* Copies the 20-byte signing id into `out` and returns 1, or returns 0 when there is none. */
SHAREMSG_API int sharemsg_message_signing_id(const sharemsg_message* m,
                                             uint8_t out[20]) SHAREMSG_NOEXCEPT;
/* 1 when a signature check passed (the V36 rule, or a registry check), else 0. */
SHAREMSG_API int sharemsg_message_verified(const sharemsg_message* m) SHAREMSG_NOEXCEPT;
/* message_hash = SHA256d(type || wire flags || le32 timestamp || payload), into `out`. */
SHAREMSG_API void sharemsg_message_hash(const sharemsg_message* m,
                                        uint8_t out[32]) SHAREMSG_NOEXCEPT;
/* The message's wire bytes (current flags), allocated: release *out with sharemsg_free. */
SHAREMSG_API int sharemsg_message_pack(const sharemsg_message* m, uint8_t** out, size_t* out_len,
                                       sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* The reference's JSON view of the message (to_dict), ages counted from `now` (seconds since
 * the epoch). Allocated: release *out with sharemsg_free. */
SHAREMSG_API int sharemsg_message_json(const sharemsg_message* m, double now, char** out,
                                       sharemsg_error* err) SHAREMSG_NOEXCEPT;

/* Creates a message and returns its wire bytes (allocated: sharemsg_free). With
 * `authority_key` (a 32-byte secret key) the message is signed by it directly, as authority
 * messages are (flags should then hold 0x01|0x08, signed and authority: 0x0f is usual); with
 * NULL it stays unsigned. Fails with SHAREMSG_ERR_OVERSIZE for a payload over 220 bytes. */
SHAREMSG_API int sharemsg_message_create(uint8_t type, uint8_t flags, uint32_t timestamp,
                                         const uint8_t* payload, size_t payload_len,
                                         const uint8_t* authority_key, uint8_t** out,
                                         size_t* out_len, sharemsg_error* err) SHAREMSG_NOEXCEPT;

/* ------------------------------------------------------------ V36 verify ---- */

/* The V36 network rule for a share's message_data. A share whose message_data breaks it is
 * invalid on the V36 network, exactly as the reference rejects it. */
typedef enum sharemsg_v36_rule {
    SHAREMSG_V36_OK_EMPTY = 0,         /* no message_data: valid */
    SHAREMSG_V36_OK = 1,               /* valid: every message signed by the decrypting key */
    SHAREMSG_V36_NOT_DECRYPTED = 2,    /* does not decrypt under any authority key */
    SHAREMSG_V36_NO_MESSAGES = 3,      /* decrypted, but no message parsed */
    SHAREMSG_V36_UNSIGNED_MESSAGE = 4, /* a message without a signature */
    SHAREMSG_V36_BAD_SIGNATURE = 5     /* a signature that does not verify under that key */
} sharemsg_v36_rule;

typedef struct sharemsg_verdict sharemsg_verdict;

/* Applies the V36 rule to message_data (data, len) and gives the verdict in *out (the
 * caller's: sharemsg_verdict_destroy). Returns SHAREMSG_OK whenever the rule was applied,
 * whatever the verdict says; an error only for a bad argument or no memory.
 *
 * Verify-once cache: the context remembers the verdicts of the last 8 distinct message_data
 * it checked, by SHA-256. A share carrying the same bytes as one of those (every V36 share
 * carries the same authority blob) costs one SHA-256 and no signature check; such a verdict
 * says so through sharemsg_verdict_cached. Thread-safe. */
SHAREMSG_API int sharemsg_verify_message_data(sharemsg_context* ctx, const uint8_t* data,
                                              size_t len, sharemsg_verdict** out,
                                              sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_verdict_destroy(sharemsg_verdict* v) SHAREMSG_NOEXCEPT;

/* A sharemsg_v36_rule. */
SHAREMSG_API int sharemsg_verdict_rule(const sharemsg_verdict* v) SHAREMSG_NOEXCEPT;
/* 1 when the share is valid under the rule (OK or OK_EMPTY), else 0. */
SHAREMSG_API int sharemsg_verdict_valid(const sharemsg_verdict* v) SHAREMSG_NOEXCEPT;
/* The rule's stable identifier ("ok_empty", "ok", "not_decrypted", "no_messages",
 * "unsigned_message", "bad_signature"; "unknown" otherwise); a static string. */
SHAREMSG_API const char* sharemsg_v36_rule_name(int rule) SHAREMSG_NOEXCEPT;
/* One line saying why, for logs. Borrowed. */
SHAREMSG_API const char* sharemsg_verdict_reason(const sharemsg_verdict* v) SHAREMSG_NOEXCEPT;
/* 1 when the verify-once cache answered this call, 0 when the signatures were checked. */
SHAREMSG_API int sharemsg_verdict_cached(const sharemsg_verdict* v) SHAREMSG_NOEXCEPT;
/* Copies the 33-byte pubkey of the authority that decrypted the envelope into `out` and
 * returns 1, or returns 0 when nothing decrypted. */
SHAREMSG_API int sharemsg_verdict_authority(const sharemsg_verdict* v,
                                            uint8_t out[33]) SHAREMSG_NOEXCEPT;
/* The verified messages (none unless the rule is OK). */
SHAREMSG_API size_t sharemsg_verdict_message_count(const sharemsg_verdict* v) SHAREMSG_NOEXCEPT;
/* Message i (< count), borrowed from the verdict; NULL when i is out of range. */
SHAREMSG_API const sharemsg_message* sharemsg_verdict_message(const sharemsg_verdict* v,
                                                              size_t i) SHAREMSG_NOEXCEPT;

/* ---------------------------------------------------- envelope, decoded ---- */

typedef struct sharemsg_unpacked sharemsg_unpacked;

/* Decrypts and parses message_data exactly as the deployed reference does, without checking
 * signatures (use sharemsg_verify_message_data for the rule): data that does not decrypt
 * gives a handle with decrypted = 0 and no messages; at most 3 messages are read. Always
 * SHAREMSG_OK unless an argument is bad or memory runs out. *out: sharemsg_unpacked_destroy. */
SHAREMSG_API int sharemsg_unpack_message_data(const sharemsg_context* ctx, const uint8_t* data,
                                              size_t len, sharemsg_unpacked** out,
                                              sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_unpacked_destroy(sharemsg_unpacked* u) SHAREMSG_NOEXCEPT;
/* Copies the decrypting authority's 33-byte pubkey into `out` (may be NULL) and returns 1,
 * or returns 0 when the envelope did not decrypt. */
SHAREMSG_API int sharemsg_unpacked_authority(const sharemsg_unpacked* u,
                                             uint8_t out[33]) SHAREMSG_NOEXCEPT;
/* When the envelope carried a well-formed signing-key announcement: copies its signing id,
 * key index and 33-byte pubkey (each output may be NULL) and returns 1; else returns 0. */
SHAREMSG_API int sharemsg_unpacked_announcement(const sharemsg_unpacked* u, uint8_t signing_id[20],
                                                uint32_t* key_index,
                                                uint8_t pubkey[33]) SHAREMSG_NOEXCEPT;
SHAREMSG_API size_t sharemsg_unpacked_message_count(const sharemsg_unpacked* u) SHAREMSG_NOEXCEPT;
SHAREMSG_API const sharemsg_message* sharemsg_unpacked_message(const sharemsg_unpacked* u,
                                                               size_t i) SHAREMSG_NOEXCEPT;

/* The v1 envelope's outer layer. Decrypt: *inner (allocated: sharemsg_free) and the
 * decrypting authority's pubkey in authority_out (33 bytes, may be NULL). Fails with
 * SHAREMSG_ERR_TRUNCATED (under 50 bytes), SHAREMSG_ERR_BAD_VERSION, SHAREMSG_ERR_NOT_AUTHORITY
 * (no authority's MAC matches). The MAC is keyed by a public key: it detects corruption and
 * proves nothing about the author; only the signatures inside authenticate. */
SHAREMSG_API int sharemsg_decrypt_envelope(const sharemsg_context* ctx, const uint8_t* data,
                                           size_t len, uint8_t** inner, size_t* inner_len,
                                           uint8_t authority_out[33],
                                           sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* Encrypt `inner` under `authority_pubkey` (33 bytes, one of the context's authorities) with
 * `nonce` (16 bytes; NULL draws a random one). An empty inner gives an empty result. */
SHAREMSG_API int sharemsg_encrypt_envelope(const sharemsg_context* ctx, const uint8_t* inner,
                                           size_t inner_len, const uint8_t authority_pubkey[33],
                                           const uint8_t nonce[16], uint8_t** out, size_t* out_len,
                                           sharemsg_error* err) SHAREMSG_NOEXCEPT;

/* ---------------------------------------------------------------- shares ---- */

typedef struct sharemsg_share sharemsg_share;

/* Decodes a share of wire type `type` (36 for V36, the only type understood: any other is
 * SHAREMSG_ERR_BAD_VERSION) from its contents, as carried by the P2P `shares` message. Strict:
 * truncation, lists over the network's limits and trailing bytes are errors naming the field.
 * Decoding checks the format only, not the proof of work. *out: sharemsg_share_destroy. */
SHAREMSG_API int sharemsg_share_parse(uint64_t type, const uint8_t* contents, size_t len,
                                      sharemsg_share** out, sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_share_destroy(sharemsg_share* s) SHAREMSG_NOEXCEPT;
/* The share's message_data, borrowed, or NULL (with *len = 0) when it carries none. */
SHAREMSG_API const uint8_t* sharemsg_share_message_data(const sharemsg_share* s,
                                                        size_t* len) SHAREMSG_NOEXCEPT;
SHAREMSG_API uint32_t sharemsg_share_timestamp(const sharemsg_share* s) SHAREMSG_NOEXCEPT;
SHAREMSG_API uint32_t sharemsg_share_absheight(const sharemsg_share* s) SHAREMSG_NOEXCEPT;
SHAREMSG_API uint32_t sharemsg_share_bits(const sharemsg_share* s) SHAREMSG_NOEXCEPT;
/* The payout's 20-byte HASH160 (as displayed, big-endian) into `out`; returns the payout
 * type (0 P2PKH, 1 P2WPKH, 2 P2SH). */
SHAREMSG_API int sharemsg_share_payout(const sharemsg_share* s, uint8_t out[20]) SHAREMSG_NOEXCEPT;
/* The previous share's hash (as displayed) into `out` and 1, or 0 for a share without one. */
SHAREMSG_API int sharemsg_share_previous(const sharemsg_share* s,
                                         uint8_t out[32]) SHAREMSG_NOEXCEPT;

/* ---------------------------------------------------------------- outbox ---- */

typedef struct sharemsg_outbox sharemsg_outbox;

/* Messages waiting to go into the shares this node mines (work generation). On the V36
 * network only authority-signed messages are valid, so sharemsg_outbox_add accepts only a
 * message whose signature verifies under one of the context's authorities. The outbox holds
 * at most 3 messages (what one share carries) and keeps them until cleared: the same
 * message_data may go into every share. *out: sharemsg_outbox_destroy, before the context. */
SHAREMSG_API int sharemsg_outbox_create(const sharemsg_context* ctx, sharemsg_outbox** out,
                                        sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_outbox_destroy(sharemsg_outbox* o) SHAREMSG_NOEXCEPT;
/* Adds a message given as its wire bytes. SHAREMSG_ERR_BAD_SIGNATURE (unsigned) or
 * _NOT_AUTHORITY when it is not signed by an authority; SHAREMSG_ERR_INVALID_ARGUMENT when it
 * was signed without flags 0x08|0x01 (packing would change the bytes its signature covers);
 * SHAREMSG_ERR_OVERSIZE when 3 are already waiting or the inner envelope would pass 512 bytes;
 * SHAREMSG_ERR_TRAILING_BYTES when the bytes hold more than one message. */
SHAREMSG_API int sharemsg_outbox_add(sharemsg_outbox* o, const uint8_t* message, size_t len,
                                     sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* Sets (or with NULL/0 clears) the 57-byte signing-key announcement to carry. */
SHAREMSG_API int sharemsg_outbox_set_announcement(sharemsg_outbox* o, const uint8_t* announcement,
                                                  size_t len,
                                                  sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API size_t sharemsg_outbox_count(const sharemsg_outbox* o) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_outbox_clear(sharemsg_outbox* o) SHAREMSG_NOEXCEPT;
/* Builds message_data from the waiting messages: the inner envelope encrypted under the key
 * that signed the last message, with `nonce` (16 bytes; NULL draws a random one). Empty
 * (*out_len = 0, *out = NULL) when nothing waits. Allocated: sharemsg_free. */
SHAREMSG_API int sharemsg_outbox_build(const sharemsg_outbox* o, const uint8_t nonce[16],
                                       uint8_t** out, size_t* out_len,
                                       sharemsg_error* err) SHAREMSG_NOEXCEPT;

/* ----------------------------------------------------------------- store ---- */

typedef struct sharemsg_store sharemsg_store;

/* The message store (deduplication, expiry, history cap, sharechain pruning) behind a web
 * API. max_messages 0 and max_age 0 take the reference's defaults. Time is always passed in
 * (`now`, seconds since the epoch): the store has no clock. *out: sharemsg_store_destroy,
 * before the context. */
SHAREMSG_API int sharemsg_store_create(const sharemsg_context* ctx, size_t max_messages,
                                       double max_age, sharemsg_store** out,
                                       sharemsg_error* err) SHAREMSG_NOEXCEPT;
SHAREMSG_API void sharemsg_store_destroy(sharemsg_store* s) SHAREMSG_NOEXCEPT;
/* Adds the messages of a share whose message_data passed the V36 rule (verdict valid), each
 * attributed to the share (32-byte hash as displayed) and its payout address (text; may be
 * NULL). *added (may be NULL) receives how many were new. A verdict that is not valid adds
 * nothing. */
SHAREMSG_API int sharemsg_store_add_verified(sharemsg_store* s, const sharemsg_verdict* v,
                                             const uint8_t share_hash[32],
                                             const char* payout_address, double now, size_t* added,
                                             sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* Loads a hex-encoded v1 blob (a transition message file); each message is checked against
 * the authority that decrypted it. *added (may be NULL) receives how many were new. */
SHAREMSG_API int sharemsg_store_load_blob_hex(sharemsg_store* s, const char* hex, double now,
                                              size_t* added, sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* Drops the messages whose share is not among `hashes` (count hashes of 32 bytes, as
 * displayed); authority messages stay. count 0 is ignored, as in the reference. */
SHAREMSG_API int sharemsg_store_prune(sharemsg_store* s, const uint8_t* hashes, size_t count,
                                      sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* Applies expiry by age and the history cap at `now`. */
SHAREMSG_API void sharemsg_store_expire(sharemsg_store* s, double now) SHAREMSG_NOEXCEPT;
SHAREMSG_API size_t sharemsg_store_size(const sharemsg_store* s) SHAREMSG_NOEXCEPT;

#define SHAREMSG_QUERY_VERIFIED_ONLY 1u
#define SHAREMSG_QUERY_AUTHORITY_ONLY 2u

/* The stored messages as the reference's JSON array (newest first), for a web API:
 * msg_type -1 for any type, else 0..255; limit 0 takes 50; flags SHAREMSG_QUERY_*.
 * Allocated: sharemsg_free. */
SHAREMSG_API int sharemsg_store_json(const sharemsg_store* s, int msg_type, size_t limit,
                                     unsigned flags, double now, char** out,
                                     sharemsg_error* err) SHAREMSG_NOEXCEPT;
/* The store's statistics as JSON (counts by type, key registry, ban list). sharemsg_free. */
SHAREMSG_API int sharemsg_store_stats_json(const sharemsg_store* s, char** out,
                                           sharemsg_error* err) SHAREMSG_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* SHAREMSG_H */
