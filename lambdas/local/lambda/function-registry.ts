/**
 * The functions the local function runner knows: `npm start -- --function NAME=path/to/handler.ts#export`
 * registers `arn:aws:lambda:<region>:<account>:function:NAME`, run from that file on each invocation.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** One `--function` argument, parsed. */
export interface LocalFunctionSpec {
  readonly name: string;
  /** The module's path (absolute once registered): .js, .cjs, .mjs or .ts. */
  readonly file: string;
  /** The exported handler's name. Default `handler`. */
  readonly exportName?: string;
}

export interface LocalFunction {
  readonly name: string;
  readonly file: string;
  readonly exportName: string;
  readonly arn: string;
}

/** Lambda's own rule for function names. */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MODULE_FILE = /\.(?:js|cjs|mjs|ts|cts|mts)$/;
const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

/** `NAME=path[#export]` -> its parts; throws an Error in words fit for the command line. */
export function parseFunctionArgument(argument: string): LocalFunctionSpec {
  const eq = argument.indexOf('=');
  const usage = 'expected --function NAME=path/to/handler.{js,mjs,ts}[#export]';
  if (eq <= 0) throw new Error(`--function ${argument}: ${usage}`);
  const name = argument.slice(0, eq);
  const [file, exportName, extra] = argument.slice(eq + 1).split('#');
  if (!FUNCTION_NAME.test(name)) throw new Error(`--function ${argument}: a function name has 1-64 letters, digits, - or _`);
  if (!file || !MODULE_FILE.test(file) || extra !== undefined) throw new Error(`--function ${argument}: ${usage}`);
  // `file.ts#` is a slip, not a request for the default: say what to write instead.
  if (exportName === '') throw new Error(`--function ${argument}: nothing follows '#': name the export, or leave out '#' for 'handler'`);
  if (exportName !== undefined && !EXPORT_NAME.test(exportName)) throw new Error(`--function ${argument}: '${exportName}' is not an export name`);
  return { name, file, ...(exportName !== undefined ? { exportName } : {}) };
}

/**
 * Every `--function` argument, parsed. A NAME given twice is refused: one ARN would otherwise run
 * whichever file came last, and a sync trigger would silently call another function than meant.
 */
export function parseFunctionArguments(argumentList: readonly string[]): LocalFunctionSpec[] {
  const byName = new Map<string, string>();
  return argumentList.map((argument) => {
    const spec = parseFunctionArgument(argument);
    const earlier = byName.get(spec.name);
    if (earlier !== undefined) throw new Error(`--function ${argument}: the function ${spec.name} is already given by --function ${earlier}`);
    byName.set(spec.name, argument);
    return spec;
  });
}

/**
 * Refuses a `--function` whose file is not there, at start-up: the runner reads the file on each
 * invocation (so edits need no restart), and a typo would otherwise show only as a sync trigger's
 * failure on the first sync.
 */
export function checkFunctionFiles(specs: readonly LocalFunctionSpec[], exists: (file: string) => boolean = existsSync): void {
  for (const spec of specs) {
    const file = path.resolve(spec.file);
    if (!exists(file)) throw new Error(`--function ${spec.name}=${spec.file}: no such file (${file})`);
  }
}

export class FunctionRegistry {
  private readonly functions = new Map<string, LocalFunction>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    specs: readonly LocalFunctionSpec[] = [],
  ) {
    for (const spec of specs) this.register(spec);
  }

  register(spec: LocalFunctionSpec): LocalFunction {
    const fn: LocalFunction = {
      name: spec.name,
      file: path.resolve(spec.file),
      exportName: spec.exportName ?? 'handler',
      arn: this.arnOf(spec.name),
    };
    this.functions.set(spec.name, fn);
    return fn;
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  list(): readonly LocalFunction[] {
    return [...this.functions.values()];
  }

  /**
   * The function a `FunctionName` names, as Lambda reads one: `NAME`, `NAME:qualifier`,
   * `ACCOUNT:function:NAME[:qualifier]` or the full ARN; another region's or account's is not here.
   */
  find(functionName: string): LocalFunction | undefined {
    const parts = functionName.split(':');
    let name: string | undefined;
    if (parts[0] === 'arn') {
      // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
      if (parts.length < 7 || parts[2] !== 'lambda' || parts[3] !== this.region || parts[4] !== this.accountId || parts[5] !== 'function') return undefined;
      name = parts[6];
    } else if (parts.length >= 3 && parts[1] === 'function') {
      if (parts[0] !== this.accountId) return undefined;
      name = parts[2];
    } else {
      name = parts[0];
    }
    return name === undefined ? undefined : this.functions.get(name);
  }
}
