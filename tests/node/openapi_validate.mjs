// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the official JSON
// Schemas of each OpenAPI version). Usage: node openapi_validate.mjs <http-url | file>
// Prints {"valid", "version", "errors"} as JSON; exits 0 when valid, 1 when not, 2 on misuse.
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";

const source = process.argv[2];
if (!source) {
  console.error("usage: node openapi_validate.mjs <http-url | file>");
  process.exit(2);
}
const text = source.startsWith("http://")
  ? await (await fetch(source)).text()
  : await readFile(source, "utf8");
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
process.exit(result.valid ? 0 : 1);
