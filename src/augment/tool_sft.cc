#include "augment/tool_sft.h"

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "tools/tool_call.h"
#include "tools/tool_loop.h"
#include "tools/tool_prompt.h"
#include "tools/tool_registry.h"

namespace lmf::augment {
namespace {

const tools::ToolRegistry& calculator_registry() {
  static const tools::ToolRegistry r = tools::ToolRegistry::from_specs({"calculator"});
  return r;
}

std::string jsonl(const std::vector<ArithmeticProblem>& ps, uint64_t seed) {
  std::string s;
  for (size_t i = 0; i < ps.size(); ++i) s += tool_sft_json(ps[i], seed + i) + "\n";
  return s;
}

}  // namespace

Conversation tool_sft_conversation(const ArithmeticProblem& p, uint64_t variant) {
  const tools::ToolRegistry& r = calculator_registry();
  const nlohmann::json args = {{"expression", p.expression()}};
  return {{"system", tools::tools_system_message("", r)},
          {"user", problem_question(p, variant)},
          {"assistant", tools::format_tool_call("calculator", args)},
          {tools::kToolRole, tools::format_tool_response(r.run("calculator", args))},
          {"assistant", p.expression() + " = " + p.result}};
}

std::string tool_sft_json(const ArithmeticProblem& p, uint64_t variant) {
  nlohmann::json messages = nlohmann::json::array();
  for (const Message& m : tool_sft_conversation(p, variant)) messages.push_back({{"role", m.role}, {"content", m.content}});
  return nlohmann::json{{"messages", messages}, {"expression", p.expression()}, {"answer", p.result}}.dump();
}

ArithmeticSftData make_tool_sft(const ToolSftOptions& o) {
  return {draw_problems(o.train, false, o.problems, o.seed), draw_problems(o.test, true, o.problems, o.seed + 1)};
}

void write_tool_sft(const ArithmeticSftData& d, const std::string& out_dir) {
  io::OutputDir out(out_dir);
  io::write_text_atomic(out_dir + "/train.jsonl", jsonl(d.train, 0));
  io::write_text_atomic(out_dir + "/test.jsonl", jsonl(d.test, 1));
}

}  // namespace lmf::augment
