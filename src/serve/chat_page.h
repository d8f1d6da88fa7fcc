// The web chat page that `lmforge serve` serves at GET / (text/html; charset=utf-8).
//
// The page's source is src/serve/web/chat.html: one self-contained file (inline CSS and JS,
// no request outside the server's origin) that lists the models from GET /v1/models, streams
// replies from POST /v1/chat/completions, and keeps conversations, settings and the API key
// in the browser's localStorage. cmake/chat_page.cmake compiles the file into the library at
// build time, so the binary needs no file at run time; the bytes returned are the file's,
// unchanged.
#pragma once
#include <string_view>

namespace lmf::serve {

// The page, byte for byte as src/serve/web/chat.html was when the library was built; valid
// for the life of the program.
std::string_view chat_page();

}  // namespace lmf::serve
