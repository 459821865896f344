// Talks to an MCP server with the official TypeScript SDK client over Streamable HTTP:
// initialize, tools/list, then one tools/call. Usage:
//   node mcp_client.mjs <url> <tool> [arguments-json] [bearer-key]
// Prints {"server", "tools", "result"} as JSON; exits 0 on success, 1 on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, tool, args = "{}", key] = process.argv.slice(2);
if (!url || !tool) {
  console.error("usage: node mcp_client.mjs <url> <tool> [arguments-json] [bearer-key]");
  process.exit(2);
}
try {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name: "pgmi-test", version: "1.0.0" });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
  console.log(JSON.stringify({
    server: client.getServerVersion(),
    tools: tools.map((t) => t.name),
    result,
  }));
  await client.close();
} catch (e) {
  console.error(`mcp_client: ${e?.stack ?? e}`);
  process.exit(1);
}
