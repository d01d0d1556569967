/* A C program using libsharemsg through pkg-config:
 *   cc verify.c $(pkg-config --cflags --libs sharemsg) -o verify
 *
 * Usage: verify FILE.hex
 * Applies the V36 message_data rule, under the mainnet authority keys, to the hex blob in
 * FILE (for example vectors/reference/transition_v35_v36_mainnet.hex) and prints the verdict
 * and each message as JSON. Exits 0 when the blob is valid, 1 when the rule rejects it,
 * 2 on a usage or library error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sharemsg/sharemsg.h>

static int unhex(const char* s, size_t n, uint8_t* out) {
    for (size_t i = 0; i < n / 2; ++i) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.hex\n", argv[0]);
        return 2;
    }
    FILE* f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        --n;
    text[n] = '\0';
    uint8_t* data = malloc(n / 2 + 1);
    if (!data || unhex(text, n, data) != 0) {
        fprintf(stderr, "%s: not hex\n", argv[1]);
        free(data);
        return 2;
    }

    sharemsg_error err;
    sharemsg_context* ctx = NULL;
    if (sharemsg_context_create(SHAREMSG_AUTHORITIES_MAINNET, &ctx, &err) != SHAREMSG_OK) {
        fprintf(stderr, "sharemsg: %s\n", err.message);
        free(data);
        return 2;
    }
    sharemsg_verdict* v = NULL;
    int rc = 2;
    if (sharemsg_verify_message_data(ctx, data, n / 2, &v, &err) != SHAREMSG_OK) {
        fprintf(stderr, "sharemsg: %s: %s\n", sharemsg_status_name(err.code), err.message);
    } else {
        printf("libsharemsg %s: %s (%s)\n", sharemsg_version(),
               sharemsg_v36_rule_name(sharemsg_verdict_rule(v)), sharemsg_verdict_reason(v));
        for (size_t i = 0; i < sharemsg_verdict_message_count(v); ++i) {
            char* json = NULL;
            if (sharemsg_message_json(sharemsg_verdict_message(v, i), 1700000000.0, &json, &err) ==
                SHAREMSG_OK)
                printf("%s\n", json);
            sharemsg_free(json);
        }
        rc = sharemsg_verdict_valid(v) ? 0 : 1;
    }
    sharemsg_verdict_destroy(v);
    sharemsg_context_destroy(ctx);
    free(data);
    return rc;
}
