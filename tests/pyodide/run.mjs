// Runs sse_pplx's parser and chat-layer tests under Pyodide (CPython compiled to WebAssembly) in Node.
//
//   npm ci --prefix tests/pyodide
//   node tests/pyodide/run.mjs [--python PY] [-- PYTEST_ARGS...]
//
// Pyodide loads from tests/pyodide/node_modules/pyodide only: no CDN, no micropip, no loadPackage.
// The repository is mounted (NODEFS) at /repo, is the working directory and comes first on
// sys.path, so its own sse_pplx is the one tested.  pytest, hypothesis and their dependencies are
// those installed for a host Python PY (--python, else $SSE_PPLX_PYODIDE_PYTHON, else the tox env
// .tox/py): the site-packages folders holding them are mounted as they are (nothing is written
// there).  A distribution among them that is not pure Python (hypothesis >= 6.156 has a Rust
// extension) is replaced by its Pyodide wheel of the same version, taken from tests/pyodide/wheels/
// or else downloaded there once with `PY -m pip download --only-binary :all: --no-deps
// --platform pyemscripten_<abi>_wasm32` (PyPI carries such wheels for hypothesis).
//
// Without PYTEST_ARGS the tests run are tests/test_parser_*.py, tests/test_chat_*.py and
// tests/test_encoder.py.  tests/pyodide/pyodide_plugin.py adds what holds for Pyodide only (a test
// that starts a process is skipped; see that file).  The exit code is pytest's (4 for a usage error
// of this script, 3 when Python fails outside pytest).  asyncio.run needs WebAssembly stack switching:
// see below (SSE_PPLX_PYODIDE_REEXEC=off runs without it, and the asyncio tests skip).

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const wheelCache = path.join(here, "wheels");

function fail(message, code = 4) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.exit(code);
}

// -- the command line ---------------------------------------------------------------------------
let python = process.env.SSE_PPLX_PYODIDE_PYTHON || null;
let pytestArgs = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === "--") {
    pytestArgs = argv.slice(i + 1);
    break;
  } else if (arg === "--python") {
    if (i + 1 >= argv.length) fail("--python needs an interpreter");
    python = argv[++i];
  } else if (arg.startsWith("--python=")) {
    python = arg.slice("--python=".length);
  } else if (arg === "-h" || arg === "--help") {
    const text = fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n\n")[0];
    process.stdout.write(text.replace(/^\/\/ ?/gm, "") + "\n");
    process.exit(0);
  } else {
    fail(`unknown argument ${JSON.stringify(arg)} (pytest's arguments go after --)`);
  }
}
if (python === null) {
  const candidates = [path.join(repo, ".tox", "py", "bin", "python"), path.join(repo, ".tox", "py", "Scripts", "python.exe")];
  python = candidates.find((file) => fs.existsSync(file)) ?? null;
  if (python === null) {
    fail("no host Python with pytest and hypothesis: pass --python PY, set SSE_PPLX_PYODIDE_PYTHON, or create .tox/py");
  }
}
if (pytestArgs === null) {
  pytestArgs = fs
    .readdirSync(path.join(repo, "tests"))
    .filter((name) => /^test_(parser_.*|chat_.*|encoder)\.py$/.test(name))
    .sort()
    .map((name) => `tests/${name}`);
}

// asyncio.run() under Pyodide needs WebAssembly stack switching (JSPI).  Node ships it behind a
// V8 flag (--experimental-wasm-stack-switching in Node 20, --experimental-wasm-jspi later): when it
// is off and this Node knows such a flag, run again with it.  Without it the asyncio tests skip.
const hasJspi = () => "Suspending" in WebAssembly || "Suspender" in WebAssembly;
if (!hasJspi() && !process.env.SSE_PPLX_PYODIDE_REEXEC) {
  const v8Options = spawnSync(process.execPath, ["--v8-options"], { encoding: "utf8" }).stdout ?? "";
  const flag = ["--experimental-wasm-jspi", "--experimental-wasm-stack-switching"].find((f) => v8Options.includes(f));
  if (flag) {
    const child = spawn(process.execPath, [...process.execArgv, flag, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, SSE_PPLX_PYODIDE_REEXEC: flag },
    });
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
    const [code, signal] = await new Promise((resolve) => child.on("exit", (...how) => resolve(how)));
    process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
  }
}

let loadPyodide;
try {
  ({ loadPyodide } = await import("pyodide"));
} catch (err) {
  fail(`cannot load the pyodide package (${err.message}); run: npm ci --prefix tests/pyodide`);
}
const lockInfo = JSON.parse(fs.readFileSync(path.join(here, "node_modules", "pyodide", "pyodide-lock.json"), "utf8")).info;
const [major, minor] = lockInfo.python.split(".");
const wheelPlatform = `pyemscripten_${lockInfo.abi_version}_${lockInfo.arch}`;

// -- what the host Python has: the folders that hold pytest, hypothesis and their dependencies ----
// (this runs on the host's Python, which may be as old as 3.8; markers are judged for Pyodide's)
const inspect = String.raw`
import json, sys
from importlib import metadata
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

target = dict(default_environment())
target.update(python_version=sys.argv[1], python_full_version=sys.argv[2], sys_platform="emscripten",
              platform_system="Emscripten", platform_machine="wasm32", os_name="posix", extra="")
seen, todo, out = set(), ["pytest", "hypothesis"], []
while todo:
    name = canonicalize_name(todo.pop())
    if name in seen:
        continue
    seen.add(name)
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        continue  # not needed here (an optional or platform-specific requirement)
    native = any(str(f).endswith((".so", ".pyd")) for f in dist.files or ())
    out.append({"name": dist.metadata["Name"], "version": dist.version, "folder": str(dist.locate_file("")),
                "pure": not native})
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(target):
            todo.append(req.name)
print(json.dumps(out))
`;
const probe = spawnSync(python, ["-c", inspect, `${major}.${minor}`, lockInfo.python], { encoding: "utf8" });
if (probe.status !== 0) {
  fail(`${python} cannot tell where pytest and hypothesis are:\n${probe.error ?? probe.stderr}`);
}
const dists = JSON.parse(probe.stdout);
for (const needed of ["pytest", "hypothesis"]) {
  if (!dists.some((d) => d.name.toLowerCase() === needed)) fail(`${python} has no ${needed}`);
}
const folders = [...new Set(dists.map((d) => path.resolve(d.folder)))];

// -- Pyodide wheels for what is not pure Python ---------------------------------------------------
const wheels = [];
for (const dist of dists.filter((d) => !d.pure)) {
  const stem = `${dist.name.replace(/[-_.]+/g, "_").toLowerCase()}-${dist.version}-`;
  const matches = () =>
    (fs.existsSync(wheelCache) ? fs.readdirSync(wheelCache) : []).filter(
      (file) =>
        file.toLowerCase().startsWith(stem) &&
        (file.endsWith(`-${wheelPlatform}.whl`) || file.endsWith("-none-any.whl")),
    );
  if (matches().length === 0) {
    process.stdout.write(`run.mjs: ${dist.name} ${dist.version} is not pure Python; fetching its ${wheelPlatform} wheel\n`);
    const pip = spawnSync(
      python,
      [
        "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "--only-binary", ":all:",
        "--platform", wheelPlatform, "--python-version", `${major}.${minor}`, "--implementation", "cp",
        "--abi", `cp${major}${minor}`, "--abi", "abi3", "--abi", "none", "--dest", wheelCache,
        `${dist.name}==${dist.version}`,
      ],
      { encoding: "utf8", stdio: ["ignore", "inherit", "inherit"] },
    );
    if (pip.status !== 0 || matches().length === 0) {
      fail(`no ${wheelPlatform} wheel of ${dist.name} ${dist.version} (pip download exited ${pip.status}); ` +
        `put one in ${wheelCache}`);
    }
  }
  wheels.push(path.join(wheelCache, matches().sort().at(-1)));
}

// -- Pyodide ------------------------------------------------------------------------------------
const started = Date.now();
const writer = (fd) => ({
  write(buffer) {
    for (let done = 0; done < buffer.length; ) {
      try {
        done += fs.writeSync(fd, buffer, done);
      } catch (err) {
        if (err.code !== "EAGAIN") throw err; // a non-blocking pipe that is full: try again
      }
    }
    return buffer.length;
  },
});
// Pyodide's environment starts nearly empty; hand over only what this run is meant to see.
// Hypothesis runs a quarter of each test's examples unless SSE_PPLX_EXAMPLES_SCALE says
// otherwise (1 = as many as the tests ask for; see pyodide_plugin.py).
// Hypothesis keeps its caches in Pyodide's own memory file system, not in the host's .hypothesis.
const env = { SSE_PPLX_EXAMPLES_SCALE: "0.25", HYPOTHESIS_STORAGE_DIRECTORY: "/tmp/hypothesis" };
for (const name of ["SSE_PPLX_EXAMPLES_SCALE", "PYTEST_ADDOPTS", "NO_COLOR", "FORCE_COLOR"]) {
  if (process.env[name] !== undefined) env[name] = process.env[name];
}
const pyodide = await loadPyodide({ env });
pyodide.setStdout(writer(1));
pyodide.setStderr(writer(2));
const loadSeconds = (Date.now() - started) / 1000;

const FS = pyodide.FS;
function mount(hostDir, where) {
  FS.mkdirTree(where);
  FS.mount(FS.filesystems.NODEFS, { root: hostDir }, where);
}
mount(repo, "/repo");
const mounted = folders.map((folder, i) => {
  mount(folder, `/host-site-packages/${i}`);
  return `/host-site-packages/${i}`;
});
FS.mkdirTree("/pyodide-wheels");
for (const wheel of wheels) {
  const bytes = fs.readFileSync(wheel);
  // unpackArchive also loads the wheel's shared libraries (.so) into the runtime
  pyodide.unpackArchive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), "wheel", {
    extractDir: "/pyodide-wheels",
  });
}

const main = pyodide.runPython(`
import os, sys

def main(host_folders, mounted, wheels, pytest_args, load_seconds, jspi):
    sys.dont_write_bytecode = True  # no .pyc files for this interpreter in the host's folders
    os.chdir("/repo")
    sys.path[:0] = ["/repo", "/repo/tests/pyodide", "/pyodide-wheels"]
    sys.path.extend(list(mounted))

    from importlib.metadata import version  # not "import hypothesis": pytest must import it first

    import pyodide_js
    import pytest
    import sse_pplx

    print(f"Pyodide {pyodide_js.version}, Python {sys.version.split()[0]} ({sys.platform}); "
          f"pytest {pytest.__version__}, hypothesis {version('hypothesis')}; loaded in {load_seconds:.1f} s; "
          f"stack switching for asyncio.run: {jspi or 'none'}")
    print(f"sse_pplx from {os.path.dirname(sse_pplx.__file__)}; site-packages of the host: {', '.join(host_folders)}"
          + (f"; Pyodide wheels: {', '.join(wheels)}" if wheels else ""), flush=True)
    if not sse_pplx.__file__.startswith("/repo/"):
        raise RuntimeError(f"sse_pplx was imported from {sse_pplx.__file__}, not from the repository")
    return int(pytest.main(["-p", "pyodide_plugin", "-p", "no:cacheprovider", *list(pytest_args)]))

main
`);

let code;
try {
  const jspi = hasJspi() ? (process.env.SSE_PPLX_PYODIDE_REEXEC ?? "on") : "";
  const args = [folders, mounted, wheels.map((w) => path.basename(w)), pytestArgs, loadSeconds, jspi];
  // callPromising lets Python code below it stack-switch (asyncio.run); without JSPI, a plain call
  code = hasJspi() ? await main.callPromising(...args) : main(...args);
} catch (err) {
  process.stderr.write(`run.mjs: Python failed outside pytest:\n${err.message ?? err}\n`);
  code = 3; // pytest's code for an internal error
}
process.stdout.write(`run.mjs: pytest exited ${code}; ${((Date.now() - started) / 1000).toFixed(1)} s under Pyodide\n`);
process.exit(code);
