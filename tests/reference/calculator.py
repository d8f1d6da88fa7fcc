"""Independent reference for lmforge's exact calculator (docs/tools.md), on Python's own
integers and fractions.Fraction.

Reads JSON lines {"expression": STR, "max_bits": N} on stdin and writes one JSON line per
input: {"value": "p/q" or "n"} or {"error": KIND, "position": P} (1-based byte offset).

The grammar, from the definition (loosest first):
    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | power
    power      := primary ("^" unary)?
    primary    := number | "(" expression ")"
    number     := digits ("." digits)?
Checks in order: length (10000 bytes), characters and numbers, parentheses (a ')' without
'(' at its position; else the innermost unclosed '('), empty, the grammar (nesting over
256 levels, missing operands and operators), then evaluation left to right (division by
zero, non-integer exponent, a numerator or denominator over max_bits bits).
"""
import json
import sys
from fractions import Fraction

MAX_LENGTH = 10000
MAX_DEPTH = 256
DIGITS = b"0123456789"


class Fail(Exception):
    def __init__(self, kind, pos):
        super().__init__(kind)
        self.kind, self.pos = kind, pos


def tokens(src):
    out, i = [], 0
    while i < len(src):
        c = src[i:i + 1]
        if c in (b" ", b"\t", b"\n", b"\r"):
            i += 1
        elif c in DIGITS and c:
            j = i
            while j < len(src) and src[j:j + 1] in DIGITS:
                j += 1
            if j + 1 < len(src) and src[j:j + 1] == b"." and src[j + 1:j + 2] in DIGITS:
                j += 1
                while j < len(src) and src[j:j + 1] in DIGITS:
                    j += 1
            out.append(("num", i + 1, src[i:j].decode()))
            i = j
        elif c == b".":
            raise Fail("malformed number", i + 1)
        elif c in (b"+", b"-", b"*", b"/", b"^", b"(", b")"):
            out.append((c.decode(), i + 1, None))
            i += 1
        else:
            raise Fail("unexpected character", i + 1)
    out.append(("end", len(src) + 1, None))
    return out


def balance(toks):
    stack = []
    for kind, pos, _ in toks:
        if kind == "(":
            stack.append(pos)
        elif kind == ")":
            if not stack:
                raise Fail("unbalanced parentheses", pos)
            stack.pop()
    if stack:
        raise Fail("unbalanced parentheses", stack[-1])


class Syntax:
    """Builds a tree: ("num", pos, text), ("neg", pos, x), (op, pos, a, b)."""

    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self):
        return self.toks[self.i]

    def nest(self, depth, pos):
        if depth > MAX_DEPTH:
            raise Fail("nesting too deep", pos)

    def expression(self, depth):
        node = self.term(depth)
        while self.peek()[0] in ("+", "-"):
            op, pos, _ = self.toks[self.i]
            self.i += 1
            node = (op, pos, node, self.term(depth))
        return node

    def term(self, depth):
        node = self.unary(depth)
        while self.peek()[0] in ("*", "/"):
            op, pos, _ = self.toks[self.i]
            self.i += 1
            node = (op, pos, node, self.unary(depth))
        return node

    def unary(self, depth):
        kind, pos, _ = self.peek()
        if kind != "-":
            return self.power(depth)
        self.i += 1
        self.nest(depth + 1, pos)
        return ("neg", pos, self.unary(depth + 1))

    def power(self, depth):
        base = self.primary(depth)
        kind, pos, _ = self.peek()
        if kind != "^":
            return base
        self.i += 1
        self.nest(depth + 1, pos)
        return ("^", pos, base, self.unary(depth + 1))

    def primary(self, depth):
        kind, pos, text = self.peek()
        if kind == "num":
            self.i += 1
            return ("num", pos, text)
        if kind == "(":
            self.i += 1
            self.nest(depth + 1, pos)
            inner = self.expression(depth + 1)
            if self.peek()[0] != ")":
                raise Fail("missing operator", self.peek()[1])
            self.i += 1
            return inner
        raise Fail("missing operand", pos)


def size(q):
    return max(abs(q.numerator).bit_length(), q.denominator.bit_length())


def evaluate(node, max_bits):
    kind, pos = node[0], node[1]
    if kind == "num":
        v = Fraction(node[2])
    elif kind == "neg":
        return -evaluate(node[2], max_bits)
    else:
        a = evaluate(node[2], max_bits)
        b = evaluate(node[3], max_bits)
        if kind == "+":
            v = a + b
        elif kind == "-":
            v = a - b
        elif kind == "*":
            v = a * b
        elif kind == "/":
            if b == 0:
                raise Fail("division by zero", pos)
            v = a / b
        else:
            if b.denominator != 1:
                raise Fail("non-integer exponent", pos)
            n = b.numerator
            if a == 0 and n < 0:
                raise Fail("division by zero", pos)
            if a not in (0, 1, -1):
                # |x|^n has at least (bits(x) - 1) * |n| + 1 bits: refuse without computing.
                for x in (abs(a.numerator), a.denominator):
                    if x >= 2 and (x.bit_length() - 1) * abs(n) + 1 > max_bits:
                        raise Fail("result too large", pos)
            elif a != 0:
                n = n % 2  # (+-1)^n by parity, without a huge loop
            v = a ** n
    if size(v) > max_bits:
        raise Fail("result too large", pos)
    return v


def calculate(expression, max_bits):
    src = expression.encode()
    try:
        if len(src) > MAX_LENGTH:
            raise Fail("expression too long", MAX_LENGTH + 1)
        toks = tokens(src)
        balance(toks)
        if len(toks) == 1:
            raise Fail("empty expression", 1)
        parser = Syntax(toks)
        tree = parser.expression(0)
        if parser.peek()[0] != "end":
            raise Fail("missing operator", parser.peek()[1])
        v = evaluate(tree, max_bits)
    except Fail as f:
        return {"error": f.kind, "position": f.pos}
    text = str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return {"value": text}


def main():
    sys.setrecursionlimit(20000)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # results have up to 30,103 digits
    for line in sys.stdin:
        if line.strip():
            req = json.loads(line)
            print(json.dumps(calculate(req["expression"], req.get("max_bits", 100000))))


if __name__ == "__main__":
    main()
