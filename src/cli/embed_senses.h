// `lmforge embed senses` (src/cli/embed_senses.cc), reached through `lmforge embed senses ...`.
#pragma once

namespace lmf::cli {

int run_embed_senses(int argc, char** argv);

}  // namespace lmf::cli
