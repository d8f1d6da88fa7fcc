#include "core/quant/ggml_type.h"

namespace lmf::quant {

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type) {
  switch (GgmlType(type)) {
    case GgmlType::F32: return GgmlTypeInfo{"f32", 1, 4};
    case GgmlType::F16: return GgmlTypeInfo{"f16", 1, 2};
    case GgmlType::Q4_0: return GgmlTypeInfo{"q4_0", 32, 2 + 16};
    case GgmlType::Q4_1: return GgmlTypeInfo{"q4_1", 32, 4 + 16};
    case GgmlType::Q5_0: return GgmlTypeInfo{"q5_0", 32, 2 + 4 + 16};
    case GgmlType::Q5_1: return GgmlTypeInfo{"q5_1", 32, 4 + 4 + 16};
    case GgmlType::Q8_0: return GgmlTypeInfo{"q8_0", 32, 2 + 32};
    case GgmlType::Q8_1: return GgmlTypeInfo{"q8_1", 32, 4 + 32};
    case GgmlType::Q2_K: return GgmlTypeInfo{"q2_K", 256, 16 + 64 + 4};
    case GgmlType::Q3_K: return GgmlTypeInfo{"q3_K", 256, 32 + 64 + 12 + 2};
    case GgmlType::Q4_K: return GgmlTypeInfo{"q4_K", 256, 4 + 12 + 128};
    case GgmlType::Q5_K: return GgmlTypeInfo{"q5_K", 256, 4 + 12 + 32 + 128};
    case GgmlType::Q6_K: return GgmlTypeInfo{"q6_K", 256, 128 + 64 + 16 + 2};
    case GgmlType::Q8_K: return GgmlTypeInfo{"q8_K", 256, 4 + 256 + 32};
    case GgmlType::IQ2_XXS: return GgmlTypeInfo{"iq2_xxs", 256, 2 + 64};
    case GgmlType::IQ2_XS: return GgmlTypeInfo{"iq2_xs", 256, 2 + 64 + 8};
    case GgmlType::IQ3_XXS: return GgmlTypeInfo{"iq3_xxs", 256, 2 + 96};
    case GgmlType::IQ1_S: return GgmlTypeInfo{"iq1_s", 256, 2 + 32 + 16};
    case GgmlType::IQ4_NL: return GgmlTypeInfo{"iq4_nl", 32, 2 + 16};
    case GgmlType::IQ3_S: return GgmlTypeInfo{"iq3_s", 256, 2 + 64 + 32 + 8 + 4};
    case GgmlType::IQ2_S: return GgmlTypeInfo{"iq2_s", 256, 2 + 64 + 16};
    case GgmlType::IQ4_XS: return GgmlTypeInfo{"iq4_xs", 256, 2 + 2 + 4 + 128};
    case GgmlType::I8: return GgmlTypeInfo{"i8", 1, 1};
    case GgmlType::I16: return GgmlTypeInfo{"i16", 1, 2};
    case GgmlType::I32: return GgmlTypeInfo{"i32", 1, 4};
    case GgmlType::I64: return GgmlTypeInfo{"i64", 1, 8};
    case GgmlType::F64: return GgmlTypeInfo{"f64", 1, 8};
    case GgmlType::IQ1_M: return GgmlTypeInfo{"iq1_m", 256, 32 + 16 + 8};
    case GgmlType::BF16: return GgmlTypeInfo{"bf16", 1, 2};
    case GgmlType::TQ1_0: return GgmlTypeInfo{"tq1_0", 256, 2 + 4 * 13};
    case GgmlType::TQ2_0: return GgmlTypeInfo{"tq2_0", 256, 2 + 64};
  }
  return std::nullopt;
}

std::string ggml_type_name(uint32_t type) {
  auto info = ggml_type_info(type);
  return info ? std::string(info->name) : "type " + std::to_string(type);
}

}  // namespace lmf::quant
