// The single-sequence template of a tokenizer.json post_processor: the ids that Hugging Face's
// encode(text, add_special_tokens=true) puts before and after the ids of the text
// (BERT: [CLS] ... [SEP]; Llama-3: <|begin_of_text|> ...).
//
// Understood: TemplateProcessing (pieces as {"SpecialToken"} / {"Sequence"} objects or as
// "[CLS]" / "$A" strings, ids from special_tokens), BertProcessing and RobertaProcessing
// (cls ... sep), ByteLevel (no ids), and a Sequence of these (applied in order, each one
// wrapping what the ones before produced). strict=false (byte-level BPE files, whose
// post_processor lmforge ignored before) reads an unknown processor type as no template;
// strict=true refuses it. A malformed known processor is always a FormatError naming the
// file and the field.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "core/token_id.h"

namespace lmf::tok {

struct SingleTemplate {
  std::vector<TokenId> prefix, suffix;
};

SingleTemplate read_post_processor(const nlohmann::json& node, const std::string& origin, bool strict);

}  // namespace lmf::tok
