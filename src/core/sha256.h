// SHA-256 (FIPS 180-4) as a lowercase hex digest: the document, prompt and target hashes
// of lm-evaluation-harness's samples files (hashlib.sha256(text.encode()).hexdigest()) and
// the watermark's keyed hash (infer/watermark.h).
#pragma once
#include <string>

namespace lmf {

std::string sha256_hex(const std::string& data);

}  // namespace lmf
