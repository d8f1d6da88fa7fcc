// SHA-256 (FIPS 180-4) as a lowercase hex digest: the document, prompt and target hashes
// of lm-evaluation-harness's samples files (hashlib.sha256(text.encode()).hexdigest()).
#pragma once
#include <string>

namespace lmf::eval {

std::string sha256_hex(const std::string& data);

}  // namespace lmf::eval
