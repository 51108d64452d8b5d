#!/usr/bin/env node
// Runs the assetpress binary of this platform. The binary comes in one of the
// optional dependencies `@assetpress/<os>-<cpu>[-<libc>]`, which npm installs
// only on the platform each declares (`os`, `cpu`, `libc`); nothing is
// downloaded at install time. ASSETPRESS_BINARY names a binary to run instead.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ownVersion = require("../package.json").version;

/** "glibc", "musl", or null off Linux. */
function libc() {
  if (process.platform !== "linux") return null;
  try {
    // Node's own report says which C library it runs on (without the
    // network part, which can be slow to gather).
    if ("excludeNetwork" in process.report) process.report.excludeNetwork = true;
    const header = process.report.getReport().header;
    if (header.glibcVersionRuntime) return "glibc";
  } catch (_) {
    // An old Node without process.report: ask the loader.
  }
  try {
    if (fs.readdirSync("/lib").some((f) => f.startsWith("ld-musl-"))) return "musl";
  } catch (_) {}
  return "glibc";
}

/** The platform packages that can run here, best first. */
function candidates() {
  const { platform, arch } = process;
  if (platform === "linux") {
    // A static musl binary runs on glibc systems too; a glibc one never on musl.
    return libc() === "musl"
      ? [`linux-${arch}-musl`]
      : [`linux-${arch}-gnu`, `linux-${arch}-musl`];
  }
  return [`${platform}-${arch}`];
}

function binaryOf(pkg) {
  const exe = process.platform === "win32" ? "assetpress.exe" : "assetpress";
  let dir;
  try {
    dir = path.dirname(require.resolve(`@assetpress/${pkg}/package.json`));
  } catch (_) {
    return null;
  }
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  if (version !== ownVersion) {
    fail(
      `@assetpress/${pkg} is version ${version}, but assetpress is ${ownVersion}.\n` +
        `Reinstall so both match: npm install assetpress@${ownVersion}`,
    );
  }
  return path.join(dir, "bin", exe);
}

function fail(message) {
  process.stderr.write(`assetpress: ${message}\n`);
  process.exit(2);
}

function findBinary() {
  const override = process.env.ASSETPRESS_BINARY;
  if (override) {
    if (!fs.existsSync(override)) fail(`ASSETPRESS_BINARY names ${override}, which does not exist`);
    return override;
  }
  const wanted = candidates();
  for (const pkg of wanted) {
    const bin = binaryOf(pkg);
    if (bin) return bin;
  }
  const platform = `${process.platform}-${process.arch}${libc() ? ` (${libc()})` : ""}`;
  fail(
    `no binary for this platform (${platform}): none of ${wanted
      .map((p) => `@assetpress/${p}`)
      .join(", ")} is installed.\n` +
      `npm installs the one package of your platform from assetpress's optionalDependencies. It is missing when\n` +
      `  - the lockfile was made on another platform, or node_modules was copied from one (delete\n` +
      `    node_modules and package-lock.json, then run npm install again);\n` +
      `  - optional dependencies were left out (--omit=optional, --no-optional, or pnpm/yarn settings);\n` +
      `  - no package is published for this platform (linux x64/arm64 glibc and musl, macOS x64/arm64,\n` +
      `    Windows x64): build from source with \`cargo install --locked assetpress\` and set\n` +
      `    ASSETPRESS_BINARY to the binary.`,
  );
}

const binary = findBinary();
// A signal sent to the launcher alone (a CI timeout, a process manager)
// reaches the binary too; one sent to the whole group reaches both anyway.
// The handlers come first: a signal between the spawn and them would kill
// the launcher and leave the binary running.
let child = null;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child) child.kill(signal);
    else process.exit(128 + (os.constants.signals[signal] || 0));
  });
}
child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
child.on("error", (e) => fail(`could not run ${binary}: ${e.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so a shell or CI sees what happened; where
    // that is not possible, exit as a shell reports it.
    process.removeAllListeners(signal);
    try {
      process.kill(process.pid, signal);
    } catch (_) {}
    process.exit(128 + (os.constants.signals[signal] || 0));
  }
  process.exit(code === null ? 1 : code);
});
