// Drives `pgmi serve` with the official MCP TypeScript SDK over stdio and checks what a real
// client sees: initialize, tools/list, every tool's structuredContent against its outputSchema
// (validated here by ajv, independently of the SDK's own check), deploys to a real server and
// to a throwaway one, an unreachable server, progress, ping during a deploy, and cancelling a
// running deploy (its backend must leave pg_stat_activity).
//
// usage: node mcp_serve_check.mjs <pgmi> <server-uri> <workdir> <project> <sleep-project>
// Prints TAP; exits 1 when any check failed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const [pgmi, serverUri, workdir, project, sleepProject] = process.argv.slice(2);
let n = 0;
let failed = 0;
function check(ok, name, detail) {
  n += 1;
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${name}`);
  if (!ok && detail !== undefined) console.log(`  # ${JSON.stringify(detail).slice(0, 2000)}`);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function psql(sql) {
  return execFileSync('psql', [serverUri, '-Atc', sql], { encoding: 'utf8' }).trim();
}
const sleepers = (db) => Number(psql(
  `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND query LIKE '%pg_sleep%' ` +
  'AND pid <> pg_backend_pid()'));
async function waitFor(cond, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map();
let stderr = '';

// The SDK's own minimal environment, as a real client gives it, plus the sanitizer pass's options
// (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS): without them a report of the spawned pgmi would go
// to this pipe instead of the pass's reports directory, and leak suppressions would be lost.
const env = getDefaultEnvironment();
for (const [key, value] of Object.entries(process.env)) {
  if (/^[A-Z]+SAN_OPTIONS$/.test(key)) env[key] = value;
}
const transport = new StdioClientTransport({ command: pgmi, args: ['serve'], stderr: 'pipe', cwd: workdir, env });
transport.stderr?.on('data', (d) => { stderr += d.toString(); });
const client = new Client({ name: 'pgmi-test', version: '1.0.0' });
const clientErrors = [];
client.onerror = (e) => clientErrors.push(String(e));
await client.connect(transport);

const info = client.getServerVersion();
check(info?.name === 'pgmi' && typeof info.version === 'string', 'initialize: serverInfo names pgmi', info);
check(typeof client.getInstructions() === 'string', 'initialize: instructions for the agent');

const { tools } = await client.listTools();
const names = tools.map((t) => t.name);
const expected = ['ai_contract', 'ai_overview', 'ai_skill', 'ai_skills', 'deploy', 'info', 'init',
  'metadata_plan', 'metadata_validate', 'templates_list'];
check(JSON.stringify(names) === JSON.stringify(expected), 'tools/list: the ten tools, sorted by name', names);
for (const t of tools) {
  let ok = true;
  let why;
  try {
    ajv.compile(t.inputSchema);
    if (!t.outputSchema) throw new Error('no outputSchema');
    validators.set(t.name, ajv.compile(t.outputSchema));
  } catch (e) {
    ok = false;
    why = String(e);
  }
  check(ok && t.inputSchema.type === 'object' && t.description.length > 0,
    `tools/list: ${t.name} has a description and schemas ajv compiles`, why);
}

/// Calls a tool and validates its structuredContent with ajv.
async function call(name, args, options = {}) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  const validate = validators.get(name);
  const valid = validate(result.structuredContent);
  check(valid, `${name}${result.isError ? ' (error)' : ''}: structuredContent validates against its outputSchema`,
    validate.errors);
  return result;
}

let r = await call('ai_overview', {});
check(!r.isError && r.structuredContent.overview.includes('deploy.sql'), 'ai_overview: the overview text');
r = await call('ai_contract', {});
check(!r.isError && r.structuredContent.views.some((v) => v.name === 'pgmi_plan_view'),
  'ai_contract: the contract names pgmi_plan_view');
r = await call('ai_skills', {});
const skills = r.structuredContent.skills;
check(!r.isError && skills.length >= 8, 'ai_skills: the skills table', skills.length);
const fetchable = skills.find((s) => s.filePath !== '');
r = await call('ai_skill', { name: fetchable.filePath.replace(/^.*\//, '').replace(/\.md$/, '') });
check(!r.isError && r.structuredContent.content.length > 100, 'ai_skill: a skill by name');
r = await call('ai_skill', { name: 'no-such-skill' });
check(r.isError === true && r.structuredContent.exitCode === 1 &&
  r.structuredContent.message.startsWith("skill 'no-such-skill' not found") &&
  r.structuredContent.message.includes('Available skills'), 'ai_skill: an unknown name is an isError result (exit code 1) listing the names', r.structuredContent);
r = await call('templates_list', {});
check(!r.isError && r.structuredContent.templates[0].name === 'basic', 'templates_list: basic comes first');
const created = path.join(workdir, 'made-by-mcp');
r = await call('init', { path: created, name: 'shop' });
check(!r.isError && r.structuredContent.created === true && r.structuredContent.projectName === 'shop', 'init: scaffolds a project', r.structuredContent);
r = await call('init', { path: created });
check(r.isError === true && r.structuredContent.exitCode === 2, 'init: a non-empty directory is exitCode 2', r.structuredContent);
r = await call('info', { path: project });
check(!r.isError && r.structuredContent.deploySql === true, 'info: describes the project', r.structuredContent);
r = await call('metadata_plan', { path: project });
check(!r.isError && r.structuredContent.plan.length > 0, 'metadata_plan: plan rows', r.structuredContent);
r = await call('metadata_validate', { path: project });
check(!r.isError && r.structuredContent.validation_passed === true, 'metadata_validate: passes', r.structuredContent);
r = await call('metadata_validate', { path: path.join(workdir, 'missing') });
check(r.isError === true && r.structuredContent.exitCode !== 0, 'metadata_validate: a missing directory is an isError result', r.structuredContent);

// Deploys: a real server, then a throwaway one, with progress.
let progress = [];
r = await call('deploy', { path: project, connection: serverUri, database: 'mcp_real' },
  { onprogress: (p) => progress.push(p), timeout: 120000 });
check(!r.isError && r.structuredContent.status === 'success' && r.structuredContent.database === 'mcp_real',
  'deploy: a project to a real server', r.structuredContent);
check(psql("SELECT count(*) FROM pg_database WHERE datname = 'mcp_real'") === '1', 'deploy: the database exists on the server');
check(progress.length >= 2 && progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress),
  'deploy: notifications/progress arrive, increasing', progress);
check(r.structuredContent.tests.length > 0 && r.structuredContent.tests.every((t) => t.status === 'passed'),
  'deploy: per-test results', r.structuredContent.tests);
r = await call('deploy', { path: project, ephemeral: true }, { timeout: 120000 });
check(!r.isError && r.structuredContent.status === 'success', 'deploy: ephemeral=true deploys without a server', r.structuredContent);
r = await call('deploy', { path: project, connection: 'postgresql://pgmi@127.0.0.1:1/postgres?connect_timeout=2', database: 'x', timeout: '60s' },
  { timeout: 120000 });
check(r.isError === true && r.structuredContent.exitCode === 11, 'deploy: an unreachable server is exitCode 11', r.structuredContent);
r = await call('deploy', { path: project, connection: serverUri, database: 'mcp_real', overwrite: true });
check(r.isError === true && r.structuredContent.exitCode === 12 && r.structuredContent.message.includes('confirmDatabaseName'),
  'deploy: overwrite without confirmDatabaseName drops nothing', r.structuredContent);

// A long deploy: ping is answered while it runs, and cancelling it ends its backend.
const controller = new AbortController();
const running = client.callTool({ name: 'deploy', arguments: { path: sleepProject, connection: serverUri, database: 'mcp_sleep' } },
  undefined, { signal: controller.signal, timeout: 120000 });
running.catch(() => {});
check(await waitFor(() => sleepers('mcp_sleep') === 1, 30000), 'cancel: the deploy is running pg_sleep');
const pingStarted = Date.now();
await client.ping();
check(Date.now() - pingStarted < 5000, 'ping: answered while a deploy runs');
controller.abort('test cancels');
let rejected = false;
try { await running; } catch { rejected = true; }
check(rejected, 'cancel: the SDK rejects the aborted call');
check(await waitFor(() => sleepers('mcp_sleep') === 0, 15000), 'cancel: the backend is gone from pg_stat_activity');
check(psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'mcp_sleep'") === '0', 'cancel: no session of the deploy is left');

await client.close();
check(!stderr.includes('panic') && !stderr.includes('internal error'), 'stderr: no internal error', stderr.slice(-2000));
console.log(`1..${n}`);
console.log(failed === 0 ? '# all checks passed' : `# ${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
