// sharemsg: offline tool for P2Pool share messaging.
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "sharemsg: P2Pool share messaging tool (keys, transition messages, decoding, conformance, "
        "MuSig2 co-signing, "
        "and a client of sharemsgd's API)"};
    app.require_subcommand(1);
    sharemsg::cli::add_conformance_command(app);
    sharemsg::cli::add_derive_key_command(app);
    sharemsg::cli::add_decode_command(app);
    sharemsg::cli::add_transition_command(app);
    sharemsg::cli::add_open_vectors_command(app);
    sharemsg::cli::add_api_commands(app);
    sharemsg::cli::add_mail_commands(app);
    sharemsg::cli::add_musig_command(app);
    sharemsg::cli::add_stun_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "sharemsg: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
