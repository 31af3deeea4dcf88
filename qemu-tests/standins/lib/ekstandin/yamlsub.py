"""A YAML subset, enough for kubeadm configuration files and kubeconfigs: documents split
by '---', block mappings and sequences by indentation, '#' comments, plain/quoted scalars,
simple flow sequences and mappings ([a, b], {}). Anything else raises ValueError with the
line number."""

import json
import re


def _strip_comment(line):
    out, q = [], None
    for i, c in enumerate(line):
        if q:
            if c == q:
                q = None
        elif c in "'\"":
            q = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            break
        out.append(c)
    return "".join(out).rstrip()


def scalar(s):
    s = s.strip()
    if s == "" or s in ("~", "null", "Null", "NULL"):
        return None
    if s[0] == '"':
        return json.loads(s)
    if s[0] == "'":
        if not s.endswith("'") or len(s) < 2:
            raise ValueError("unterminated quoted scalar %r" % s)
        return s[1:-1].replace("''", "'")
    if s[0] == "[":
        if not s.endswith("]"):
            raise ValueError("unterminated flow sequence %r" % s)
        inner = s[1:-1].strip()
        return [scalar(x) for x in _split_flow(inner)] if inner else []
    if s[0] == "{":
        if not s.endswith("}"):
            raise ValueError("unterminated flow mapping %r" % s)
        inner = s[1:-1].strip()
        d = {}
        for item in (_split_flow(inner) if inner else []):
            k, _, v = item.partition(":")
            d[scalar(k)] = scalar(v)
        return d
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", s):
        return int(s)
    if re.fullmatch(r"[-+]?[0-9]*\.[0-9]+", s):
        return float(s)
    return s


def _split_flow(s):
    parts, depth, q, cur = [], 0, None, []
    for c in s:
        if q:
            if c == q:
                q = None
        elif c in "'\"":
            q = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    parts.append("".join(cur))
    return [x.strip() for x in parts]


def _key_value(text):
    """'key: value' -> (key, value) or None when text is not a mapping entry."""
    m = re.match(r'''^("(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s#][^:#]*?)\s*:(?:\s+(.*)|$)''', text)
    if not m:
        return None
    return scalar(m.group(1)), (m.group(2) or "")


class _Lines:
    def __init__(self, lines):
        self.items = lines            # [(lineno, indent, text)]
        self.i = 0

    def peek(self):
        return self.items[self.i] if self.i < len(self.items) else None


def _block(ls, indent):
    first = ls.peek()
    if first is None or first[1] < indent:
        return None
    ind = first[1]
    if first[2].startswith("- ") or first[2] == "-":
        return _seq(ls, ind)
    return _map(ls, ind)


def _value(ls, rest, parent_indent, lineno):
    if rest.strip() in ("|", "|-", ">", ">-"):
        raise ValueError("line %d: block scalars are not supported" % lineno)
    if rest.strip():
        return scalar(rest)
    nxt = ls.peek()
    if nxt is None:
        return None
    # a sequence may sit at the same indent as its key
    if nxt[1] > parent_indent or (nxt[1] == parent_indent and nxt[2].startswith("-")):
        return _block(ls, nxt[1])
    return None


def _map(ls, ind):
    d = {}
    while True:
        cur = ls.peek()
        if cur is None or cur[1] < ind:
            return d
        lineno, i, text = cur
        if i > ind:
            raise ValueError("line %d: unexpected indentation" % lineno)
        if text.startswith("-"):
            return d
        kv = _key_value(text)
        if kv is None:
            raise ValueError("line %d: expected 'key: value', got %r" % (lineno, text))
        ls.i += 1
        d[kv[0]] = _value(ls, kv[1], ind, lineno)


def _seq(ls, ind):
    out = []
    while True:
        cur = ls.peek()
        if cur is None or cur[1] != ind or not (cur[2].startswith("- ") or cur[2] == "-"):
            return out
        lineno, _, text = cur
        body = text[1:].lstrip()
        if not body:
            ls.i += 1
            out.append(_block(ls, ind + 1))
            continue
        sub_ind = ind + (len(text) - len(body))
        if _key_value(body) is not None and not body.startswith(("'", '"', "[", "{")):
            # a mapping that starts on the dash line: re-read it at its own indent
            ls.items[ls.i] = (lineno, sub_ind, body)
            out.append(_map(ls, sub_ind))
        else:
            ls.i += 1
            out.append(scalar(body))


def load_all(text):
    docs, cur = [], []
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.rstrip() == "---" or raw.startswith("--- "):
            docs.append(cur)
            cur = []
            continue
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise ValueError("line %d: tab in indentation" % n)
        line = _strip_comment(raw)
        if line.strip():
            cur.append((n, len(line) - len(line.lstrip()), line.strip()))
    docs.append(cur)
    out = []
    for lines in docs:
        if not lines:
            continue
        ls = _Lines(lines)
        v = _block(ls, 0)
        if ls.peek() is not None:
            raise ValueError("line %d: unexpected text %r" % (ls.peek()[0], ls.peek()[2]))
        out.append(v)
    return out


def load(text):
    docs = load_all(text)
    return docs[0] if docs else None
