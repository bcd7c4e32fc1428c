/**
 * Reads an experiment declaration (`export default defineX({ ... })`) without executing it.
 *
 * The Nx plugin builds the task graph from these files, and Nx must never run user code while it does so,
 * so the object literal is evaluated statically: literals, arrays, objects, spreads, negative numbers, template
 * strings without substitutions, `+` on strings, and `const` identifiers of the same file. A reference to another declaration
 * (`dataset: reverse`, where `reverse` is a default import of a dataset file) becomes `{ $ref: "<path>" }`.
 */
import { Node, Project, SyntaxKind, type Expression, type SourceFile } from 'ts-morph';
import { dirname, join, relative, resolve } from 'node:path';

export type StaticValue =
  | string
  | number
  | boolean
  | null
  | StaticValue[]
  | { [key: string]: StaticValue };

/** A reference to the default export of another declaration file (workspace-relative path). */
export interface DeclarationRef {
  readonly $ref: string;
}

export interface ExtractedDeclaration {
  /** Workspace-relative path of the file. */
  readonly file: string;
  /** The name of the define* call (`defineRun`, `defineDataset`, `definePipeline`). */
  readonly kind: string;
  readonly value: { [key: string]: StaticValue };
}

export class DeclarationError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'DeclarationError';
  }
}

let sharedProject: Project | undefined;
function project(): Project {
  // One in-memory project for the whole graph build: no type information is needed, only syntax.
  sharedProject ??= new Project({ useInMemoryFileSystem: false, skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  return sharedProject;
}

export function extractDeclaration(workspaceRoot: string, file: string, text?: string): ExtractedDeclaration {
  const absolute = resolve(workspaceRoot, file);
  const relativeFile = relative(workspaceRoot, absolute);
  const existing = project().getSourceFile(absolute);
  if (existing) project().removeSourceFile(existing);
  const source =
    text === undefined
      ? project().addSourceFileAtPath(absolute)
      : project().createSourceFile(absolute, text, { overwrite: true });
  try {
    return extractFrom(source, workspaceRoot, relativeFile);
  } finally {
    project().removeSourceFile(source);
  }
}

function extractFrom(source: SourceFile, workspaceRoot: string, file: string): ExtractedDeclaration {
  const exportAssignment = source.getExportAssignment((e) => !e.isExportEquals());
  if (!exportAssignment) {
    throw new DeclarationError(file, 1, 'expected `export default defineX({ ... })`');
  }
  const call = exportAssignment.getExpression();
  if (!Node.isCallExpression(call)) {
    throw new DeclarationError(file, call.getStartLineNumber(), 'the default export must be a call such as defineRun({ ... })');
  }
  const kind = call.getExpression().getText();
  const [arg] = call.getArguments();
  if (!arg || !Node.isObjectLiteralExpression(arg)) {
    throw new DeclarationError(file, call.getStartLineNumber(), `${kind} takes one object literal`);
  }
  const evaluator = new StaticEvaluator(source, workspaceRoot, file);
  const value = evaluator.evaluate(arg as Expression);
  return { file, kind, value: value as { [key: string]: StaticValue } };
}

class StaticEvaluator {
  constructor(
    private readonly source: SourceFile,
    private readonly workspaceRoot: string,
    private readonly file: string,
  ) {}

  private fail(node: Node, reason: string): never {
    throw new DeclarationError(this.file, node.getStartLineNumber(), `${reason}: \`${truncate(node.getText())}\``);
  }

  evaluate(node: Expression): StaticValue {
    if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
      return this.evaluate(node.getExpression());
    }
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
    if (Node.isNumericLiteral(node)) return node.getLiteralValue();
    if (node.getKind() === SyntaxKind.TrueKeyword) return true;
    if (node.getKind() === SyntaxKind.FalseKeyword) return false;
    if (node.getKind() === SyntaxKind.NullKeyword) return null;
    if (Node.isPrefixUnaryExpression(node)) {
      const operand = this.evaluate(node.getOperand());
      if (typeof operand !== 'number') this.fail(node, 'unary operator on a non-number');
      if (node.getOperatorToken() === SyntaxKind.MinusToken) return -operand;
      if (node.getOperatorToken() === SyntaxKind.PlusToken) return operand;
      this.fail(node, 'unsupported unary operator');
    }
    if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      // Long descriptions are written as 'a ' + 'b'; only string concatenation and number addition are static.
      const left = this.evaluate(node.getLeft());
      const right = this.evaluate(node.getRight());
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      this.fail(node, '+ joins two strings or two numbers only');
    }
    if (Node.isArrayLiteralExpression(node)) {
      const out: StaticValue[] = [];
      for (const element of node.getElements()) {
        if (Node.isSpreadElement(element)) {
          const spread = this.evaluate(element.getExpression());
          if (!Array.isArray(spread)) this.fail(element, 'spread of a non-array');
          out.push(...spread);
        } else {
          out.push(this.evaluate(element));
        }
      }
      return out;
    }
    if (Node.isObjectLiteralExpression(node)) {
      const out: { [key: string]: StaticValue } = {};
      for (const property of node.getProperties()) {
        if (Node.isPropertyAssignment(property)) {
          const nameNode = property.getNameNode();
          const key = Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode) ? String(nameNode.getLiteralValue()) : property.getName();
          const initializer = property.getInitializer();
          if (!initializer) this.fail(property, 'property without a value');
          out[key] = this.evaluate(initializer);
        } else if (Node.isShorthandPropertyAssignment(property)) {
          out[property.getName()] = this.resolveIdentifier(property.getNameNode());
        } else if (Node.isSpreadAssignment(property)) {
          const spread = this.evaluate(property.getExpression());
          if (spread === null || typeof spread !== 'object' || Array.isArray(spread)) this.fail(property, 'spread of a non-object');
          Object.assign(out, spread);
        } else {
          this.fail(property, 'only plain properties are allowed in a declaration');
        }
      }
      return out;
    }
    if (Node.isIdentifier(node)) return this.resolveIdentifier(node);
    return this.fail(node, 'not a static value (declarations must be literals so Nx can read them without running code)');
  }

  private resolveIdentifier(node: Node): StaticValue {
    const name = node.getText();
    if (name === 'undefined') this.fail(node, 'undefined is not a value; leave the field out instead');
    const declaration = this.source.getVariableDeclaration(name);
    if (declaration) {
      const list = declaration.getVariableStatement();
      if (!list || list.getDeclarationKind() !== 'const') this.fail(node, `\`${name}\` must be a const`);
      const initializer = declaration.getInitializer();
      if (!initializer) this.fail(node, `\`${name}\` has no initializer`);
      return this.evaluate(initializer);
    }
    for (const importDeclaration of this.source.getImportDeclarations()) {
      if (importDeclaration.getDefaultImport()?.getText() === name) {
        const specifier = importDeclaration.getModuleSpecifierValue();
        if (!specifier.startsWith('.')) this.fail(node, `\`${name}\` must be imported from a relative declaration file`);
        const target = relative(this.workspaceRoot, join(dirname(resolve(this.workspaceRoot, this.file)), specifier));
        return { $ref: target };
      }
    }
    return this.fail(node, `unknown identifier \`${name}\``);
  }
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

export function isDeclarationRef(value: StaticValue | undefined): value is { $ref: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value['$ref'] === 'string';
}
