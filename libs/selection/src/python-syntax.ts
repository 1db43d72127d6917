import { readFileSync } from 'node:fs';
import { Language, Node, Parser, Tree } from 'web-tree-sitter';

/**
 * Anything that can tell whether a Python file is syntactically valid. Strategies only need this interface, so tests
 * can pass a table-driven fake and production passes {@link PythonSyntax}.
 */
export interface SyntaxChecker {
  parses(source: string): boolean;
}

export type SyntaxProblemKind =
  /** tree-sitter could not parse the text (an ERROR node). */
  | 'error'
  /** tree-sitter had to invent a token to go on (a MISSING node, e.g. an unclosed bracket). */
  | 'missing'
  /** The layout check: indentation, a block without a body, or a statement running onto the next line. */
  | 'layout'
  /** Python 2 syntax the grammar accepts for compatibility (print / exec statements, `<>`, backticks, 0777, 10L). */
  | 'python2';

export interface SyntaxProblem {
  kind: SyntaxProblemKind;
  /** 1-based line, like CPython's SyntaxError.lineno. */
  line: number;
  /** 0-based column in UTF-16 code units. */
  column: number;
  message: string;
}

export interface SyntaxReport {
  /** True when there is no problem: the file "parses". */
  ok: boolean;
  /** Problems in source order, at most one per kind-and-position; empty when ok. */
  problems: SyntaxProblem[];
}

export interface SyntaxCheckOptions {
  /**
   * Run the layout and Python 2 checks on top of tree-sitter's ERROR / MISSING nodes (default true). With false,
   * "parses" means exactly "tree-sitter's tree has no ERROR or MISSING node", which accepts unexpected indents,
   * mismatched dedents, blocks without a body and Python 2 statements (see README "Python parsing").
   */
  strict?: boolean;
}

/** Statement-level clauses that begin their own line but hang off a compound statement, not a block. */
const CLAUSES = new Set(['elif_clause', 'else_clause', 'except_clause', 'finally_clause', 'case_clause']);
const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/**
 * Python syntax checking with tree-sitter-python (WebAssembly, through web-tree-sitter): one async {@link load},
 * then synchronous {@link check} / {@link parses} calls. Instances hold one parser; JavaScript runs one call at a
 * time, so sharing an instance is safe.
 */
export class PythonSyntax implements SyntaxChecker {
  private constructor(private readonly parser: Parser) {}

  /** Loads the runtime and the grammar once; later calls return the same instance. */
  static load(): Promise<PythonSyntax> {
    loading ??= (async () => {
      await Parser.init();
      // Bytes rather than a path: web-tree-sitter reads paths with a dynamic import(), which jest's CommonJS
      // sandbox does not allow.
      const wasm = readFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
      const language = await Language.load(new Uint8Array(wasm));
      const parser = new Parser();
      parser.setLanguage(language);
      return new PythonSyntax(parser);
    })().catch((error: unknown) => {
      loading = undefined;
      throw new Error(
        `could not load the tree-sitter Python grammar: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    return loading;
  }

  /** True when {@link check} finds no problem. */
  parses(source: string, options?: SyntaxCheckOptions): boolean {
    return this.check(source, options).ok;
  }

  check(source: string, options: SyntaxCheckOptions = {}): SyntaxReport {
    const tree = this.parser.parse(source);
    if (!tree) throw new Error('tree-sitter returned no tree');
    try {
      const lines = new LineIndex(source);
      const strict = options.strict ?? true;
      const problems = treeProblems(tree, lines, strict);
      if (strict) problems.push(...layoutProblems(tree.rootNode, source, lines));
      problems.sort((a, b) => a.line - b.line || a.column - b.column);
      return { ok: problems.length === 0, problems: dedupe(problems) };
    } finally {
      tree.delete();
    }
  }
}

let loading: Promise<PythonSyntax> | undefined;

/** {@link PythonSyntax.load}: the async init to await once before any synchronous parse. */
export function loadPythonSyntax(): Promise<PythonSyntax> {
  return PythonSyntax.load();
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(private readonly source: string) {
    for (let i = 0; i < source.length; i++) if (source[i] === '\n') this.starts.push(i + 1);
  }
  at(index: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - this.starts[lo] };
  }
  /** The text from the start of index's physical line up to index. */
  lead(index: number): string {
    return this.source.slice(this.starts[this.at(index).line - 1], index);
  }
}

function problem(kind: SyntaxProblemKind, index: number, lines: LineIndex, message: string): SyntaxProblem {
  return { kind, ...lines.at(index), message };
}

function dedupe(problems: SyntaxProblem[]): SyntaxProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.kind}:${p.line}:${p.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** ERROR and MISSING nodes, and (strict) the Python 2 constructs tree-sitter-python accepts. */
function treeProblems(tree: Tree, lines: LineIndex, strict: boolean): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  // Only subtrees that contain an error can hold ERROR / MISSING nodes.
  const visit = (node: Node): void => {
    if (node.isMissing) problems.push(problem('missing', node.startIndex, lines, `missing ${node.type}`));
    else if (node.isError) problems.push(problem('error', node.startIndex, lines, 'invalid syntax'));
    for (const child of node.children) if (child?.hasError) visit(child);
  };
  if (tree.rootNode.hasError) visit(tree.rootNode);
  if (strict) {
    for (const node of tree.rootNode.descendantsOfType(PYTHON2_CANDIDATES)) {
      const py2 = node && python2Construct(node);
      if (py2) problems.push(problem('python2', node.startIndex, lines, py2));
    }
  }
  if (tree.rootNode.hasError && !problems.some((p) => p.kind === 'error' || p.kind === 'missing')) {
    // A MISSING token of a hidden rule (the newline, indent or dedent tokens) is in no child list: report it at the
    // deepest node that has an error.
    let node = tree.rootNode;
    for (
      let next = node.children.find((c) => c?.hasError);
      next;
      next = next.children.find((c) => c?.hasError)
    ) {
      node = next;
    }
    problems.push(problem('missing', node.startIndex, lines, 'missing newline or indentation'));
  }
  return problems;
}

/** Node types python2Construct looks at. */
const PYTHON2_CANDIDATES = ['print_statement', 'exec_statement', '<>', 'string', 'integer'];

function python2Construct(node: Node): string | undefined {
  switch (node.type) {
    case 'print_statement':
      // `print >>f, x` is also a Python 3 expression statement (a tuple): only the chevron-less form is Python 2.
      return node.children.some((child) => child?.type === 'chevron')
        ? undefined
        : 'Python 2 print statement';
    case 'exec_statement':
      return 'Python 2 exec statement';
    case '<>':
      return 'Python 2 <> operator';
    case 'string':
      if (node.text.startsWith('`')) return 'Python 2 backtick repr';
      return /^[uU][rR]/.test(node.text) ? 'Python 2 ur string prefix' : undefined;
    case 'integer': {
      const text = node.text;
      if (/^[0-9][0-9_]*[lL]$/.test(text)) return 'Python 2 long literal';
      if (/^0[0-9_]*[1-9][0-9_]*$/.test(text)) return 'Python 2 octal literal';
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The first child of a block that is not a comment, or null for an empty block. */
function firstStatement(block: Node): Node | null {
  let child = block.firstNamedChild;
  while (child && child.type === 'comment') child = child.nextNamedSibling;
  return child;
}

/**
 * Facts about blocks, memoised by node id for one check (web-tree-sitter hands out a fresh object on every access,
 * so walking a long block's children once per line would be quadratic).
 */
class Blocks {
  private readonly first = new Map<number, Node | null>();
  private readonly depths = new Map<number, number>();

  firstStatement(block: Node): Node | null {
    if (!this.first.has(block.id)) this.first.set(block.id, firstStatement(block));
    return this.first.get(block.id) ?? null;
  }

  /** A block whose first statement starts on a later line than its header's colon (not `if x: y`). */
  isIndented(block: Node): boolean {
    const first = this.firstStatement(block);
    if (!first) return false;
    const before = block.previousSibling ?? block.parent;
    return before !== null && first.startPosition.row > before.endPosition.row;
  }

  /** Nesting of a node in indented blocks: the INDENT tokens CPython's tokenizer must have emitted before it. */
  depth(node: Node): number {
    return node.parent ? this.depthFrom(node.parent) : 0;
  }

  /** Indented blocks among node and its ancestors. */
  private depthFrom(node: Node): number {
    const known = this.depths.get(node.id);
    if (known !== undefined) return known;
    const own = node.type === 'block' && this.isIndented(node) ? 1 : 0;
    const depth = own + (node.parent ? this.depthFrom(node.parent) : 0);
    this.depths.set(node.id, depth);
    return depth;
  }
}

/**
 * The node that a logical line starting at leaf begins: a statement of a module or block, a clause (else, elif,
 * except, finally, case), or a decorator or decorated definition. Null when leaf is inside an expression, i.e. the
 * previous line's statement ran onto this line without brackets or a backslash.
 */
function lineStart(leaf: Node): Node | null {
  for (let n: Node = leaf; ;) {
    const parent = n.parent;
    if (!parent) return null;
    if (parent.type === 'module' || parent.type === 'block') return n;
    if (CLAUSES.has(n.type)) return n;
    // A decorated definition's first decorator starts the statement itself; later decorators and the def line
    // start lines of their own inside it.
    if (parent.startIndex !== leaf.startIndex) return parent.type === 'decorated_definition' ? n : null;
    n = parent;
  }
}

/** Tokens in source order; a string (with its f-string interpolations) counts as one token. */
function tokens(root: Node): Node[] {
  const out: Node[] = [];
  const cursor = root.walk();
  try {
    let descend = true;
    for (;;) {
      if (descend) {
        const type = cursor.nodeType;
        if (type !== 'string' && cursor.gotoFirstChild()) continue;
        if (cursor.endIndex > cursor.startIndex && type !== 'block') out.push(cursor.currentNode);
      }
      if (cursor.gotoNextSibling()) descend = true;
      else if (cursor.gotoParent()) descend = false;
      else break;
    }
  } finally {
    cursor.delete();
  }
  return out;
}

/** A newline in gap (whitespace between two tokens) that no backslash continues. */
function hasUnescapedNewline(gap: string): boolean {
  for (let i = gap.indexOf('\n'); i >= 0; i = gap.indexOf('\n', i + 1)) {
    const before = gap[i - 1] === '\r' ? gap[i - 2] : gap[i - 1];
    if (before !== '\\') return true;
  }
  return false;
}

/** CPython's two indentation measures: tabs to multiples of 8 (col) and tabs as 1 (alt), form feed resets. */
function measure(indent: string): { col: number; alt: number } {
  let col = 0;
  let alt = 0;
  for (const ch of indent) {
    if (ch === ' ') {
      col++;
      alt++;
    } else if (ch === '\t') {
      col = (Math.floor(col / 8) + 1) * 8;
      alt++;
    } else if (ch === '\f') {
      col = 0;
      alt = 0;
    }
  }
  return { col, alt };
}

/**
 * What tree-sitter-python does not check: it decides block structure from indentation but accepts an unexpected
 * indent, a dedent to a level that was never opened, inconsistent tabs and spaces, a block header with no body, and
 * a newline inside an expression outside brackets. This replays CPython's tokenizer indentation stack over the
 * logical lines (tokens after an unescaped newline outside brackets) and checks it against the tree's structure.
 */
function layoutProblems(root: Node, source: string, lines: LineIndex): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const blocks = new Blocks();
  const stack = [{ col: 0, alt: 0 }];
  let depth = 0;
  let previousEnd = 0;
  let first = true;

  for (const token of tokens(root)) {
    const skip = token.type === 'comment' || token.type === 'line_continuation';
    const newLine =
      first || (depth === 0 && hasUnescapedNewline(source.slice(previousEnd, token.startIndex)));
    previousEnd = token.endIndex;
    if (skip) continue;
    first = false;
    if (newLine) problems.push(...logicalLine(token, lines, stack, blocks));
    if (OPEN.has(token.type)) depth++;
    else if (CLOSE.has(token.type)) depth = Math.max(0, depth - 1);
  }

  const emptyBlocks = (node: Node): void => {
    if (node.type === 'block' && !blocks.firstStatement(node)) {
      problems.push(problem('layout', node.startIndex, lines, 'expected an indented block'));
    }
    for (const child of node.namedChildren) if (child) emptyBlocks(child);
  };
  emptyBlocks(root);
  return problems;
}

function logicalLine(
  token: Node,
  lines: LineIndex,
  stack: Array<{ col: number; alt: number }>,
  blocks: Blocks,
): SyntaxProblem[] {
  const at = (message: string): SyntaxProblem[] => [problem('layout', token.startIndex, lines, message)];
  const node = lineStart(token);
  if (!node) return at('statement continues on a new line outside brackets (missing backslash?)');

  const lead = lines.lead(token.startIndex);
  if (lead.trim() !== '') return [];
  const { col, alt } = measure(lead);
  const top = stack[stack.length - 1];
  let indent = false;
  if (col > top.col) {
    if (alt <= top.alt) return at('inconsistent use of tabs and spaces in indentation');
    stack.push({ col, alt });
    indent = true;
  } else {
    while (stack.length > 1 && col < stack[stack.length - 1].col) stack.pop();
    const level = stack[stack.length - 1];
    if (col !== level.col) return at('unindent does not match any outer indentation level');
    if (alt !== level.alt) return at('inconsistent use of tabs and spaces in indentation');
  }

  const parent = node.parent;
  const opensBlock =
    parent !== null &&
    parent.type === 'block' &&
    blocks.isIndented(parent) &&
    blocks.firstStatement(parent)?.startIndex === node.startIndex;
  if (indent && !opensBlock) return at('unexpected indent');
  if (!indent && opensBlock) return at('expected an indented block');
  if (blocks.depth(node) !== stack.length - 1) return at('indentation does not match the block structure');
  return [];
}
