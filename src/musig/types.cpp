#include "musig/types.hpp"

namespace sharemsg::musig {

const char* error_code_name(ErrorCode c) noexcept {
    switch (c) {
        case ErrorCode::invalid_contribution:
            return "invalid_contribution";
        case ErrorCode::no_signers:
            return "no_signers";
        case ErrorCode::count_mismatch:
            return "count_mismatch";
        case ErrorCode::signer_index_out_of_range:
            return "signer_index_out_of_range";
        case ErrorCode::tweak_out_of_range:
            return "tweak_out_of_range";
        case ErrorCode::tweak_infinite:
            return "tweak_infinite";
        case ErrorCode::aggregate_key_infinite:
            return "aggregate_key_infinite";
        case ErrorCode::signer_not_in_keys:
            return "signer_not_in_keys";
        case ErrorCode::secnonce_invalid:
            return "secnonce_invalid";
        case ErrorCode::secnonce_key_mismatch:
            return "secnonce_key_mismatch";
        case ErrorCode::nonce_zero:
            return "nonce_zero";
        case ErrorCode::too_large:
            return "too_large";
        case ErrorCode::aggnonce_mismatch:
            return "aggnonce_mismatch";
    }
    return "error";
}

const char* contribution_name(Contribution c) noexcept {
    switch (c) {
        case Contribution::none:
            return "none";
        case Contribution::pubkey:
            return "pubkey";
        case Contribution::pubnonce:
            return "pubnonce";
        case Contribution::aggnonce:
            return "aggnonce";
        case Contribution::aggothernonce:
            return "aggothernonce";
        case Contribution::psig:
            return "psig";
    }
    return "contribution";
}

std::string Error::to_string() const {
    std::string s = error_code_name(code);
    if (contribution != Contribution::none) {
        s += ": ";
        s += contribution_name(contribution);
        if (signer)
            s += " of signer " + std::to_string(*signer);
        else if (contribution == Contribution::aggnonce ||
                 contribution == Contribution::aggothernonce)
            s += " (nonce aggregator)";
    }
    return s;
}

sharemsg::Error to_project_error(const Error& e) {
    Errc c = Errc::invalid_argument;
    switch (e.contribution) {
        case Contribution::pubkey:
            c = Errc::bad_key;
            break;
        case Contribution::pubnonce:
        case Contribution::aggnonce:
        case Contribution::aggothernonce:
            c = Errc::bad_encoding;
            break;
        case Contribution::psig:
            c = Errc::bad_signature;
            break;
        case Contribution::none:
            break;
    }
    return sharemsg::make_error(c, "musig: " + e.to_string());
}

}  // namespace sharemsg::musig
