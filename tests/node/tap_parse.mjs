// Reads a TAP stream on stdin with the real `tap-parser` package and prints its final result as
// one JSON object on stdout ({ok, count, pass, fail, skip, todo, plan, failures, bailout, extra});
// `extra` holds the lines that were not TAP.
// Exits 0 when the stream parsed (whatever the tests' outcome), 1 when it could not be read.
import { Parser } from 'tap-parser';

const parser = new Parser();
const extra = [];
parser.on('extra', (line) => extra.push(line));
parser.on('complete', (result) => {
  const failures = (result.failures || []).map((f) => ({ id: f.id, name: f.name, tapError: f.tapError || null }));
  process.stdout.write(JSON.stringify({
    ok: result.ok,
    count: result.count,
    pass: result.pass,
    fail: result.fail,
    skip: result.skip,
    todo: result.todo,
    plan: { start: result.plan.start, end: result.plan.end },
    failures,
    bailout: result.bailout,
    extra,
  }) + '\n');
});
process.stdin.pipe(parser);
