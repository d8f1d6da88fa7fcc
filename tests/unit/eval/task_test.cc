// Task files (eval/task.h, eval/template.h): few-shot prompts and continuations equal those
// of tests/reference/harness_prompts.py — the harness's construction restated with PyYAML,
// Jinja2 and random.Random — byte for byte, for a task with its own few-shot split and one
// that draws shots from its test split; bad task files are errors naming file, line and field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/task.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string fixture_dir() {
  const std::string dir = test::temp_dir();
  std::string train, test;
  const char* animals[] = {"cat", "dog", "owl", "cow", "bee", "eel", "fox", "yak", "ant", "emu", "gnu", "hen"};
  const char* sounds[] = {"meows", "barks", "hoots", "moos", "buzzes", "zaps", "yips", "grunts", "marches", "booms", "snorts", "clucks"};
  for (int i = 0; i < 12; ++i) {
    json d = {{"animal", animals[i]},
              {"question", std::string("  What does the ") + animals[i] + " do? "},
              {"options", {sounds[i], sounds[(i + 5) % 12], sounds[(i + 7) % 12]}},
              {"label", i % 3 == 0 ? 0 : i % 3},
              {"meta", {{"kind", i % 2 ? "wild" : "farm"}}}};
    // The right sound sits at `label`.
    std::swap(d["options"][0], d["options"][size_t(d["label"].get<int>())]);
    (i < 8 ? train : test) += d.dump() + "\n";
    if (i >= 8) train += d.dump() + "\n";  // the test documents are in the few-shot split too
  }
  write(dir + "/train.jsonl", train);
  write(dir + "/test.jsonl", test);
  write(dir + "/mc.yaml",
        "task: fixture_mc\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n"
        "  data_files:\n"
        "    train: train.jsonl\n"
        "    test: test.jsonl\n"
        "test_split: test\n"
        "fewshot_split: train\n"
        "output_type: multiple_choice\n"
        "description: \"Animals ({{meta.kind | upper}}):\\n\\n\"\n"
        "doc_to_text: \"Q: {{question | trim}} ({{ animal[0] ~ '-' ~ meta['kind'] | replace('a', 'A') }})\\nA:\"\n"
        "doc_to_target: label\n"
        "doc_to_choice: options\n"
        "metric_list:\n"
        "  - metric: acc\n"
        "  - metric: acc_norm\n");
  write(dir + "/same.yaml",
        "task: fixture_same_split\n"
        "dataset_path: json\n"
        "dataset_kwargs:\n"
        "  data_files:\n"
        "    test: train.jsonl\n"
        "test_split: test\n"
        "fewshot_split: test\n"
        "output_type: multiple_choice\n"
        "target_delimiter: \": \"\n"
        "fewshot_delimiter: \"\\n---\\n\"\n"
        "doc_to_text: \"{{animal | lower}}\"\n"
        "doc_to_target: \"{{options[label]}}\"\n"
        "doc_to_choice: \"{{[options[0], options[1], options[2]]}}\"\n");
  return dir;
}

json harness_prompts(const std::string& yaml, int k, int seed, int limit) {
  std::string out;
  EXPECT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/harness_prompts.py") + " " + yaml + " " +
                                  std::to_string(k) + " " + std::to_string(seed) + " " + std::to_string(limit),
                              &out),
            0);
  return json::parse(out);
}

std::string error_of(const std::string& path) {
  try {
    eval::load_task(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(EvalTask, FewshotPromptsEqualTheHarness) {
  const std::string dir = fixture_dir();
  struct Case {
    std::string file;
    int k, seed, limit;
  };
  for (const Case& c : {Case{"mc.yaml", 3, 1234, 0}, Case{"mc.yaml", 5, 7, 0}, Case{"mc.yaml", 0, 1234, 0},
                        Case{"same.yaml", 2, 1234, 10}, Case{"same.yaml", 4, 42, 0}}) {
    const eval::Task t = eval::load_task(dir + "/" + c.file);
    const std::vector<eval::DocRequest> got = eval::build_requests(t, c.k, c.limit, uint64_t(c.seed));
    const json want = harness_prompts(dir + "/" + c.file, c.k, c.seed, c.limit);
    ASSERT_EQ(got.size(), want.size()) << c.file;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].context, want[i]["context"].get<std::string>()) << c.file << " k=" << c.k << " doc " << i;
      EXPECT_EQ(json(got[i].continuations), want[i]["continuations"]) << c.file << " doc " << i;
    }
  }
  // The fixture's prompts hold what they are meant to exercise.
  const eval::Task mc = eval::load_task(dir + "/mc.yaml");
  const auto r = eval::build_requests(mc, 3, 1, 1234);
  EXPECT_EQ(r[0].context.rfind("Animals (", 0), 0u);
  EXPECT_NE(r[0].context.find("(a-fArm)\nA:"), std::string::npos) << r[0].context;  // ~, [0], ['kind'] and replace
  EXPECT_EQ(r[0].gold, 2);
  EXPECT_EQ(mc.metrics, (std::vector<std::string>{"acc", "acc_norm"}));
}

TEST(EvalTask, BadTaskFilesNameFileLineAndField) {
  const std::string dir = fixture_dir();
  const std::string base = "task: bad\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: test.jsonl\n"
                            "test_split: test\noutput_type: multiple_choice\ndoc_to_text: question\n"
                            "doc_to_target: label\ndoc_to_choice: options\n";
  struct Case {
    std::string text, want;
  };
  const std::vector<Case> cases = {
      {base + "num_fewshots: 3\n", "bad.yaml:11: field num_fewshots: unknown field"},
      {"task: bad\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: test.jsonl\ntest_split: validation\n"
       "output_type: multiple_choice\ndoc_to_text: question\ndoc_to_target: label\ndoc_to_choice: options\n",
       "bad.yaml:6: field test_split: split 'validation' has no file"},
      {base + "description: \"{% if animal %}x{% endif %}\"\n", "bad.yaml:11: field description: unsupported template construct '{%'"},
      {base + "fewshot_split: test\ndescription: \"{{ animal | title }}\"\n", "bad.yaml:12: field description: unsupported template filter 'title'"},
      {base + "metric_list:\n  - metric: acc\n  - metric: f1\n", "bad.yaml:13: field metric_list.metric: unknown metric 'f1'"},
      {base + "metric_list:\n  - metric: bits_per_byte\n", "bad.yaml:12: field metric_list.metric: metric 'bits_per_byte' does not apply"},
      {"task: bad\ndataset_path: json\ndataset_kwargs:\n  data_files:\n    test: test.jsonl\ntest_split: test\n"
       "output_type: multiple_choice\ndoc_to_text: \"{{ colour }}\"\ndoc_to_target: label\ndoc_to_choice: options\n",
       "bad.yaml:8: field doc_to_text: the document has no field 'colour'"},
      {"task: bad\ndataset_path: hellaswag\n", "bad.yaml:2: field dataset_path: only 'json'"},
      {"task: [unclosed\n", "bad.yaml:"},
  };
  for (const Case& c : cases) {
    write(dir + "/bad.yaml", c.text);
    const std::string e = error_of(dir + "/bad.yaml");
    EXPECT_NE(e.find(c.want), std::string::npos) << "want '" << c.want << "' in: " << e;
  }
}

TEST(EvalTemplate, ValuesAsJinjaRendersThem) {
  const eval::Doc doc = {{"s", "It's"}, {"n", 3}, {"l", {"a", "b'c"}}, {"b", true}, {"o", {{"k", "v"}}}};
  EXPECT_EQ(eval::Template::parse("{{s}}|{{n}}|{{l}}|{{b}}|{{ o.k }}", "t").render(doc), "It's|3|['a', \"b'c\"]|True|v");
  const eval::Doc l = eval::Template::parse("{{ [s, 'x'] }}", "t").evaluate(doc);
  EXPECT_EQ(l, eval::Doc::array({"It's", "x"}));
  EXPECT_EQ(eval::parse_python_literal("['a', \"b'c\", 3]", "t"), eval::Doc::array({"a", "b'c", 3}));
  // Jinja renders these the same way (checked against jinja2 itself).
  std::string out;
  ASSERT_EQ(test::run_command("/usr/bin/python3 -c \"import jinja2; print(jinja2.Environment().from_string("
                              "'{{s}}|{{n}}|{{l}}|{{b}}|{{ o.k }}').render(s=\\\"It's\\\", n=3, l=['a', \\\"b'c\\\"], b=True, o={'k': 'v'}), end='')\"",
                              &out),
            0);
  EXPECT_EQ(out, "It's|3|['a', \"b'c\"]|True|v");
}
