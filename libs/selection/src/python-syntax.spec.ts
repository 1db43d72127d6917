import { loadPythonSyntax, PythonSyntax } from './python-syntax';

// Expectations are written by hand (what CPython 3.11's ast.parse says), not computed by running Python.
describe('PythonSyntax (tree-sitter-python + layout check)', () => {
  let syntax: PythonSyntax;
  beforeAll(async () => {
    syntax = await loadPythonSyntax();
  });

  it('loads once', async () => {
    expect(await loadPythonSyntax()).toBe(syntax);
    expect(await PythonSyntax.load()).toBe(syntax);
  });

  const valid: Array<[string, string]> = [
    ['a plain function', 'def add(a, b):\n    return a + b\n'],
    ['an empty file', ''],
    ['only a comment', '# nothing here\n'],
    ['no trailing newline', 'def f():\n    return 1'],
    ['walrus (3.8)', 'if (n := len(a)) > 10:\n    print(n)\n'],
    ['walrus in a comprehension', '[y for x in z if (y := f(x))]\n'],
    ['f-strings with conversion, format spec and = (3.8)', 'x = 1\ns = f"{x!r:>10} {x=} {{literal}}"\n'],
    ['a triple-quoted f-string spanning lines', 'x = f"""\n{a +\nb}\n"""\n'],
    [
      'match statement (3.10)',
      'match p:\n    case (0, 0):\n        pass\n    case {"x": x, **rest}:\n        pass\n' +
        '    case Point(x=0) | None:\n        pass\n    case [1, *others] if others:\n        pass\n    case _:\n        pass\n',
    ],
    ['match and case as ordinary names', 'match = 1\ncase = 2\nprint(match, case)\n'],
    [
      'type hints',
      'from typing import Optional\n\ndef f(x: int, *, y: Optional[str] = None) -> list[int]:\n' +
        '    z: dict[str, int] = {}\n    return [x]\n',
    ],
    ['positional-only parameters (3.8)', 'def f(a, /, b, *, c):\n    pass\n'],
    [
      'async def / with / for / comprehension / await',
      'async def f():\n    async with a as b:\n        async for x in b:\n            await x\n    return [y async for y in b]\n',
    ],
    ['except* (3.11)', 'try:\n    pass\nexcept* ValueError:\n    pass\n'],
    ['parenthesised context managers (3.10)', 'with (open(a) as f, open(b) as g):\n    pass\n'],
    ['decorators on methods', 'class A:\n    @staticmethod\n    @cache(1)\n    def f():\n        return 1\n'],
    [
      'try / except / else / finally',
      'try:\n    a()\nexcept (A, B) as e:\n    raise\nelse:\n    b()\nfinally:\n    c()\n',
    ],
    ['one-line compound statements', 'if x: pass\nelse: a = 1; b = 2\n'],
    ['a backslash continuation', 'if a and \\\n        b:\n    pass\n'],
    [
      'continuation lines inside brackets at any indentation',
      'x = [\n1,\n        2,\n    3]\ny = f(a,\n  b)\n',
    ],
    ['a comment between an operator and its operand inside brackets', 'x = (1 +  # c\n     2)\n'],
    [
      'string content at column 0 inside a function',
      'def f():\n    s = """\nhello\n  world\n"""\n    return s\n',
    ],
    ['comments at odd indentation', 'def f():\n    x = 1\n  # odd\n        # odder\n    return x\n'],
    ['tabs used consistently', 'def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n'],
    ['CRLF line endings', 'def f(x):\r\n    if x:\r\n        return 1\r\n    return 2\r\n'],
    ['a form feed before a statement', 'x = 1\n\x0cdef f():\n    pass\n'],
    ['a docstring as the only body', 'def f():\n    """doc"""\n'],
    ['a deep dedent to a known level', 'if a:\n    if b:\n        if c:\n            pass\nx = 1\n'],
    ['print >> f, x (a Python 3 expression)', 'print >>f, "x"\n'],
    ['literals', 'x = 0xFF + 0b101 + 0o17 + 1_000 + 1j + 2.5e-3 + 00\ny = rb"\\d" + u"a"\n'],
  ];
  it.each(valid)('accepts %s', (_name, source) => {
    expect(syntax.check(source)).toEqual({ ok: true, problems: [] });
    expect(syntax.parses(source)).toBe(true);
  });

  const invalid: Array<[string, string, string]> = [
    ['an unclosed bracket', 'x = foo(1, 2\n', 'invalid syntax'],
    ['def f(:', 'def f(:\n    pass\n', 'missing )'],
    ['an unexpected indent', 'x = 1\n    y = 2\n', 'unexpected indent'],
    ['an indented first line', '    x = 1\n', 'unexpected indent'],
    ['an indent after a one-line if', 'if x: a = 1\n    b = 2\n', 'unexpected indent'],
    [
      'a dedent to no known level',
      'if x:\n        y = 1\n    z = 2\n',
      'unindent does not match any outer indentation level',
    ],
    [
      'a misaligned else',
      'if x:\n    pass\n  else:\n    pass\n',
      'unindent does not match any outer indentation level',
    ],
    ['a block without a body at the end', 'def f():\n', 'expected an indented block'],
    ['a block without a body before a dedent', 'def f():\nx = 1\n', 'expected an indented block'],
    ['a block with only a comment', 'def f():\n    # nothing\n', 'expected an indented block'],
    [
      'inconsistent tabs and spaces',
      'if x:\n\ty = 1\n        z = 2\n',
      'inconsistent use of tabs and spaces in indentation',
    ],
    [
      'a newline inside an expression outside brackets',
      'x = 1 +\n    2\n',
      'statement continues on a new line',
    ],
    ['a comment after a dangling operator', 'x = 1 +  # c\n    2\n', 'statement continues on a new line'],
    ['two statements on one line without a semicolon', 'x = a - b            y = e\n', 'missing newline'],
    ['an unterminated string', 's = "abc\n', 'invalid syntax'],
    ['an unterminated triple-quoted string', 's = """abc\n', 'invalid syntax'],
    ['a keyword as a name', 'class = 1\n', 'invalid syntax'],
    ['an elif without if', 'elif x:\n    pass\n', 'invalid syntax'],
    ['an assignment to a literal', '1 = x\n', 'invalid syntax'],
    ['an invalid character', 'x$ = 1\n', 'invalid syntax'],
    ['a trailing backslash at the end of the file', 'x = 1 + \\\n', 'invalid syntax'],
    ['the Python 2 print statement', 'print "hello"\n', 'Python 2 print statement'],
    ['the Python 2 exec statement', 'exec "code"\n', 'Python 2 exec statement'],
    ['Python 2 backticks', 'x = `y`\n', 'Python 2 backtick repr'],
    ['the Python 2 <> operator', 'a <> b\n', 'Python 2 <> operator'],
    ['a Python 2 octal literal', 'x = 0777\n', 'Python 2 octal literal'],
    ['a Python 2 long literal', 'x = 10L\n', 'Python 2 long literal'],
    ['a Python 2 ur string', "x = ur'a'\n", 'Python 2 ur string prefix'],
  ];
  it.each(invalid)('rejects %s', (_name, source, message) => {
    const report = syntax.check(source);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message).join('; ')).toContain(message);
    expect(syntax.parses(source)).toBe(false);
  });

  it('locates problems by 1-based line and 0-based column', () => {
    expect(syntax.check('def f():\n    x = 1\n      y = 2\n').problems).toEqual([
      { kind: 'layout', line: 3, column: 6, message: 'unexpected indent' },
    ]);
    expect(syntax.check('x = 1\nprint "a"\n').problems).toEqual([
      { kind: 'python2', line: 2, column: 0, message: 'Python 2 print statement' },
    ]);
  });

  it('with strict: false reports exactly what tree-sitter reports', () => {
    // tree-sitter-python alone accepts all of these; CPython rejects them.
    for (const source of [
      'x = 1\n    y = 2\n',
      'if x:\n        y = 1\n    z = 2\n',
      'def f():\n',
      'x = 1 +\n    2\n',
      'print "hello"\n',
    ]) {
      expect(syntax.parses(source, { strict: false })).toBe(true);
      expect(syntax.parses(source)).toBe(false);
    }
    expect(syntax.parses('x = foo(1, 2\n', { strict: false })).toBe(false);
  });

  describe('known differences from CPython 3.11 ast.parse (pinned so a grammar upgrade shows up here)', () => {
    it.each([
      ['del of a literal', 'del 1\n'],
      ['a keyword argument before a positional one', 'f(a=1, 2)\n'],
      ['a starred operand inside an expression', 'x = b == *a + c\n'],
      ['the 3.12 type statement', 'type X = int\n'],
      ['3.12 generic functions', 'def f[T](x: T) -> T:\n    return x\n'],
      ['3.12 f-strings reusing the quote', 'a = {"k": 1}\ns = f"{a["k"]}"\n'],
      ['3.12 f-strings with a backslash in the expression', 'x = f"{\'\\n\'.join(a)}"\n'],
    ])('accepts %s (CPython 3.11 rejects it)', (_name, source) => {
      expect(syntax.parses(source)).toBe(true);
    });

    it('rejects a bracketed continuation line dedented below its block (CPython accepts it)', () => {
      expect(syntax.parses('def f():\n    x = (1 +\n2)\n    return x\n')).toBe(false);
      // The same with a list, or dedented but still inside the block's column, is fine.
      expect(syntax.parses('def f():\n    x = [\n1]\n')).toBe(true);
      expect(syntax.parses('class A:\n    def f(self):\n        return foo(a,\n  b)\n')).toBe(true);
    });
  });
});
