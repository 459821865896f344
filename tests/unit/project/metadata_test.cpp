#include "project/metadata.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "project/scanner.hpp"

namespace pgmi::project {
namespace {

namespace fs = std::filesystem;

constexpr const char* kId = "550e8400-e29b-41d4-a716-446655440000";

std::string block(const std::string& inner_attrs, const std::string& body = "") {
    return "<pgmi-meta " + inner_attrs + ">" + body + "</pgmi-meta>";
}

std::string valid_attrs(const std::string& id = kId, const std::string& idempotent = "true") {
    return "id=\"" + id + "\" idempotent=\"" + idempotent + "\"";
}

Metadata must_extract(const std::string& content) {
    Extraction e = extract_metadata(content, "./x.sql");
    EXPECT_FALSE(e.problem) << (e.problem ? e.problem->text : "");
    EXPECT_TRUE(e.metadata) << content;
    return e.metadata.value_or(Metadata{});
}

MetadataProblem must_fail(const std::string& content) {
    Extraction e = extract_metadata(content, "./x.sql");
    EXPECT_FALSE(e.metadata) << content;
    EXPECT_TRUE(e.problem) << content;
    return e.problem.value_or(MetadataProblem{});
}

bool no_metadata(const std::string& content) {
    Extraction e = extract_metadata(content, "./x.sql");
    return !e.metadata && !e.problem;
}

// ---- UUIDs -------------------------------------------------------------------------------------

TEST(Uuid, ParsesEveryAcceptedForm) {
    const std::string canonical = kId;
    for (const std::string& text :
         {std::string(kId), std::string("550E8400-E29B-41D4-A716-446655440000"),
          "{" + canonical + "}", "(" + canonical + ")", "urn:uuid:" + canonical,
          "URN:UUID:" + canonical, std::string("550e8400e29b41d4a716446655440000")}) {
        auto u = parse_uuid(text);
        ASSERT_TRUE(u) << text << ": " << u.error().message;
        EXPECT_EQ(u->str(), canonical) << text;
    }
}

TEST(Uuid, NoVersionOrVariantRules) {
    auto u = parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->str(), "ffffffff-ffff-ffff-ffff-ffffffffffff");
    EXPECT_TRUE(parse_uuid("00000000-0000-0000-0000-000000000000")->is_nil());
}

TEST(Uuid, ErrorsReadLikeTheReference) {
    EXPECT_EQ(parse_uuid("").error().message, "invalid UUID length: 0");
    EXPECT_EQ(parse_uuid("not-a-uuid").error().message, "invalid UUID length: 10");
    EXPECT_EQ(parse_uuid(" 550e8400-e29b-41d4-a716-446655440000").error().message,
              "invalid UUID length: 37");  // no trimming
    EXPECT_EQ(parse_uuid("550e8400+e29b-41d4-a716-446655440000").error().message,
              "invalid UUID format");
    EXPECT_EQ(parse_uuid("550e8400-e29b-41d4-a716-44665544000g").error().message,
              "invalid UUID format");
    EXPECT_EQ(parse_uuid("550e8400e29b41d4a71644665544000z").error().message,
              "invalid UUID format");
    EXPECT_EQ(parse_uuid("urn:uid:x550e8400-e29b-41d4-a716-446655440000").error().message,
              "invalid urn prefix: \"urn:uid:x\"");
    EXPECT_EQ(parse_uuid("{550e8400-e29b-41d4-a716-446655440000").error().message,
              "invalid UUID length: 37");
}

TEST(Uuid, GenericIdIsMd5OfThePathBytes) {
    // Values of md5(path::bytea)::uuid (session-api §3.9).
    EXPECT_EQ(md5_uuid("./migrations/001.sql").str(), "18a606ed-2992-a4e9-70c1-b9c7044ab9b8");
    EXPECT_EQ(md5_uuid("./README").str(), "3b98ea70-5262-3e9e-f9c9-aad829989a61");
}

// ---- detection ---------------------------------------------------------------------------------

TEST(Extract, FullBlock) {
    const Metadata m = must_extract(
        "/*\n<pgmi-meta id=\"550e8400-e29b-41d4-a716-446655440000\" idempotent=\"true\">\n"
        "  <description>Create users</description>\n"
        "  <sortKeys><key>10-utils/0010</key><key>90-cleanup/9999</key></sortKeys>\n"
        "</pgmi-meta>\n*/\nCREATE TABLE users(id int);\n");
    EXPECT_EQ(m.id.str(), kId);
    EXPECT_TRUE(m.idempotent);
    EXPECT_EQ(m.description, "Create users");
    EXPECT_EQ(m.sort_keys, (std::vector<std::string>{"10-utils/0010", "90-cleanup/9999"}));
    EXPECT_EQ(m.line, 2u);
}

TEST(Extract, NothingToFind) {
    EXPECT_TRUE(no_metadata(""));
    EXPECT_TRUE(no_metadata("SELECT 1;"));
    EXPECT_TRUE(no_metadata("/* just a comment */ SELECT 1;"));
    // Line comments never count.
    EXPECT_TRUE(no_metadata("-- " + block(valid_attrs()) + "\nSELECT 1;"));
    // Literals, quoted identifiers and dollar bodies are not comments.
    EXPECT_TRUE(no_metadata("SELECT '/* " + block(valid_attrs()) + " */';"));
    EXPECT_TRUE(no_metadata("SELECT E'\\' /* " + block(valid_attrs()) + " */';"));
    EXPECT_TRUE(no_metadata("SELECT 1 AS \"/* " + block(valid_attrs()) + " */\";"));
    EXPECT_TRUE(no_metadata("DO $body$ BEGIN /* " + block(valid_attrs()) + " */ END $body$;"));
    // Case-sensitive; a bare <pgmi-meta/> does not match the detection rule.
    EXPECT_TRUE(no_metadata("/* <PGMI-META id=\"x\"> </PGMI-META> */"));
    EXPECT_TRUE(no_metadata("/* <pgmi-meta/> */"));
    EXPECT_TRUE(no_metadata("/* <pgmi-metadata id=\"x\"/> */"));
}

TEST(Extract, BlockAnywhereNotOnlyFirst) {
    const Metadata m = must_extract("-- header\n/* plain comment */\nSELECT 1;\n\n/*\n" +
                                    block(valid_attrs()) + "\n*/\n");
    EXPECT_EQ(m.id.str(), kId);
    EXPECT_EQ(m.line, 6u);
}

TEST(Extract, NestedCommentsBelongToTheOuterBlock) {
    const Metadata m =
        must_extract("/* outer /* inner */ " +
                     block(valid_attrs(), "<description>d</description>") + " */ SELECT 1;");
    EXPECT_EQ(m.description, "d");
}

TEST(Extract, UnterminatedCommentAtEndOfFileNeverCrashes) {
    // The reference sliced past the end here (§8.4).
    for (const char* text : {"/*", "x/*", "/*<", "/**", "SELECT 1; /*", "/*/"}) {
        EXPECT_TRUE(no_metadata(text)) << text;
    }
    // An unterminated block runs to the end of the file and keeps all its bytes.
    const Metadata m =
        must_extract("SELECT 1;\n/* " + block(valid_attrs(), "<sortKeys><key>k9</key></sortKeys>"));
    EXPECT_EQ(m.sort_keys, std::vector<std::string>{"k9"});
}

TEST(Extract, OldFormatIsAnError) {
    const MetadataProblem p = must_fail(
        "SELECT 1;\n/*\n<pgmi:meta xmlns:pgmi=\"https://pgmi.com/pgmi-metadata/v1\">\n*/");
    EXPECT_EQ(p.path, "./x.sql");
    EXPECT_EQ(p.line, 3u);
    EXPECT_FALSE(p.validation);
    EXPECT_EQ(p.text.rfind("metadata error in ./x.sql (line 3): Found old metadata format with "
                           "namespace\n\nHint: The metadata format changed",
                           0),
              0u)
        << p.text;
}

TEST(Extract, TwoBlocksAreAnErrorAtTheSecond) {
    const MetadataProblem p =
        must_fail("/* " + block(valid_attrs()) + " */\nSELECT 1;\n/*\n  " +
                  block(valid_attrs("550e8400-e29b-41d4-a716-446655440001")) + " */");
    EXPECT_EQ(p.line, 4u);
    EXPECT_EQ(p.text,
              "metadata error in ./x.sql (line 4): Multiple metadata blocks found\n\nHint: Only "
              "one <pgmi-meta> block is allowed per file. Remove duplicates.");
}

TEST(Extract, SizeLimitCountsTheTrimmedText) {
    const std::string head = "<pgmi-meta " + valid_attrs() + "><description>";
    const std::string tail = "</description></pgmi-meta>";
    const std::string fill(kMaxMetadataBytes - head.size() - tail.size(), 'x');
    // Exactly the limit, surrounded by white space that trimming removes: accepted.
    EXPECT_EQ(must_extract("/*\n\n   " + head + fill + tail + "  \n*/").description, fill);
    const MetadataProblem p = must_fail("\n/* " + head + fill + "y" + tail + " */");
    EXPECT_EQ(p.line, 2u);
    EXPECT_EQ(p.text.rfind("metadata error in ./x.sql (line 2): Metadata block exceeds maximum "
                           "size of 10240 bytes (got 10241 bytes)\n\nHint: Metadata should be "
                           "concise.",
                           0),
              0u)
        << p.text;
}

// ---- XML ---------------------------------------------------------------------------------------

TEST(Xml, SyntaxErrorNamesTheLineOfTheFile) {
    const MetadataProblem p = must_fail(
        "SELECT 1;\n\n/*\n<pgmi-meta id=\"550e8400-e29b-41d4-a716-446655440000\" "
        "idempotent=\"true\">\n  <description>x</descriptio>\n</pgmi-meta>\n*/\n");
    EXPECT_EQ(p.line, 5u);
    EXPECT_EQ(p.text.rfind("metadata error in ./x.sql (line 5): XML syntax error: ", 0), 0u)
        << p.text;
    EXPECT_NE(p.text.find("Hint: Check that all XML tags are properly closed"), std::string::npos);
}

TEST(Xml, LinesCountCrLfFiles) {
    const MetadataProblem p = must_fail("SELECT 1;\r\n/*\r\n<pgmi-meta " + valid_attrs() +
                                        ">\r\n<description>x</descr>\r\n</pgmi-meta>\r\n*/\r\n");
    EXPECT_FALSE(p.validation);
    EXPECT_EQ(p.line, 4u);
    const MetadataProblem v =
        must_fail("SELECT 1;\r\n\r\n/*\r\n\r\n  <pgmi-meta>\r\n</pgmi-meta>*/");
    EXPECT_TRUE(v.validation);
    EXPECT_EQ(v.line, 5u);
}

TEST(Xml, UnquotedAttributeAndUnclosedElement) {
    EXPECT_EQ(must_fail("/* <pgmi-meta id=1 idempotent=\"true\"/> */")
                  .text.rfind("metadata error in ./x.sql (line 1): XML syntax error", 0),
              0u);
    EXPECT_EQ(must_fail("/*\n<pgmi-meta " + valid_attrs() + ">\n<description>x\n*/")
                  .text.rfind("metadata error in ./x.sql (line ", 0),
              0u);
}

TEST(Xml, EntitiesMustBeDefined) {
    const MetadataProblem undefined =
        must_fail("/*\n" + block(valid_attrs(), "\n<description>a &nbsp; b</description>") + "*/");
    EXPECT_EQ(undefined.line, 3u);
    EXPECT_NE(undefined.text.find("invalid character entity &nbsp;"), std::string::npos)
        << undefined.text;
    EXPECT_NE(must_fail("/* " + block(valid_attrs(), "<description>a & b</description>") + "*/")
                  .text.find("invalid character entity & (no semicolon)"),
              std::string::npos);
    EXPECT_NE(must_fail("/* " + block(valid_attrs(), "<description>&#0;</description>") + "*/")
                  .text.find("invalid character entity &#0;"),
              std::string::npos);
    EXPECT_NE(must_fail("/* " + block(valid_attrs(), "<description>\x01</description>") + "*/")
                  .text.find("illegal character code U+0001"),
              std::string::npos);
    // In an attribute value too.
    EXPECT_NE(must_fail("/* <pgmi-meta id=\"&bogus;\" idempotent=\"true\"/> */")
                  .text.find("invalid character entity &bogus;"),
              std::string::npos);
}

TEST(Xml, ReferencesAndCdataDecode) {
    const Metadata m =
        must_extract("/* " +
                     block(valid_attrs(),
                           "<description>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;"
                           "<![CDATA[ <raw> & ]]></description>"
                           "<sortKeys><key>&#x31;0/a</key></sortKeys>") +
                     " */");
    EXPECT_EQ(m.description, "a <b> & \"c\" 'd' AB <raw> & ");
    EXPECT_EQ(m.sort_keys, std::vector<std::string>{"10/a"});
}

TEST(Xml, TextBeforeTheElementAndContentAfterItAreIgnored) {
    const Metadata m = must_extract("/* Migration notes: <!-- c --> <?pi x?>\n" +
                                    block(valid_attrs()) + "\n trailing <junk & more */");
    EXPECT_EQ(m.id.str(), kId);
    EXPECT_EQ(m.line, 2u);
}

TEST(Xml, FirstElementMustBePgmiMeta) {
    const MetadataProblem p = must_fail("/* <other/> " + block(valid_attrs()) + " */");
    EXPECT_EQ(p.text.rfind("metadata error in ./x.sql (line 1): expected element type "
                           "<pgmi-meta> but have <other>\n\nHint: Verify",
                           0),
              0u)
        << p.text;
    EXPECT_NE(must_fail("/* <!-- <pgmi-meta id=\"x\"> --> */")
                  .text.find("expected element type <pgmi-meta> but found none"),
              std::string::npos);
}

TEST(Xml, NamespacePrefixesAreIgnored) {
    // Detection needs a literal "<pgmi-meta"; here it is in text after the element, which XML
    // never reads.
    const Metadata m = must_extract(
        "/* <m:pgmi-meta xmlns:m=\"u\" m:id=\"550e8400-e29b-41d4-a716-446655440000\" "
        "idempotent=\"false\"><m:description>d</m:description></m:pgmi-meta> "
        "see <pgmi-meta > docs */");
    EXPECT_EQ(m.id.str(), kId);
    EXPECT_FALSE(m.idempotent);
    EXPECT_EQ(m.description, "d");
}

TEST(Xml, UnknownAttributesAndElementsIgnoredChildOrderFree) {
    const Metadata m = must_extract(
        "/* <pgmi-meta extra=\"1\" idempotent=\"false\" id=\"" + std::string(kId) +
        "\"><sortKeys><key>b</key><other>x</other></sortKeys><unknown><key>no</key></unknown>"
        "<description>first</description><sortKeys><key>a</key></sortKeys>"
        "<description>last<b>skipped</b> wins</description></pgmi-meta> */");
    EXPECT_FALSE(m.idempotent);
    EXPECT_EQ(m.sort_keys, (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(m.description, "last wins");
}

TEST(Xml, KeysAndDescriptionsAreNotTrimmed) {
    const Metadata m =
        must_extract("/* " +
                     block(valid_attrs(),
                           "<description>  d \n</description><sortKeys><key> k </key>"
                           "<key>k</key><key>k</key></sortKeys>") +
                     " */");
    EXPECT_EQ(m.description, "  d \n");
    EXPECT_EQ(m.sort_keys, (std::vector<std::string>{" k ", "k", "k"}));
}

// ---- attribute values --------------------------------------------------------------------------

TEST(Attributes, Idempotent) {
    for (const char* v : {"1", "t", "T", "TRUE", "true", "True", " true ", "\ttrue\n"}) {
        EXPECT_TRUE(must_extract("/* " + block(valid_attrs(kId, v)) + " */").idempotent) << v;
    }
    for (const char* v : {"0", "f", "F", "FALSE", "false", "False", ""}) {
        EXPECT_FALSE(must_extract("/* " + block(valid_attrs(kId, v)) + " */").idempotent) << v;
    }
    EXPECT_NE(must_fail("/* " + block(valid_attrs(kId, "yes")) + " */")
                  .text.find("idempotent attribute: strconv.ParseBool: parsing \"yes\": invalid "
                             "syntax\n\nHint: Verify the metadata XML structure"),
              std::string::npos);
    // White space only is not empty: it trims to "" and fails.
    EXPECT_NE(must_fail("/* " + block(valid_attrs(kId, "  ")) + " */")
                  .text.find("parsing \"\": invalid syntax"),
              std::string::npos);
}

TEST(Attributes, BadIdIsADecodeError) {
    const MetadataProblem p = must_fail("/* " + block(valid_attrs("not-a-uuid")) + " */");
    EXPECT_EQ(p.text.rfind("metadata error in ./x.sql (line 1): id attribute: invalid UUID "
                           "length: 10\n\nHint: Verify the metadata XML structure",
                           0),
              0u)
        << p.text;
    EXPECT_NE(must_fail("/* " + block(valid_attrs("")) + " */")
                  .text.find("id attribute: invalid UUID length: 0"),
              std::string::npos);
}

TEST(Attributes, AcceptedIdForms) {
    EXPECT_EQ(
        must_extract("/* " + block(valid_attrs("{550E8400-E29B-41D4-A716-446655440000}")) + " */")
            .id.str(),
        kId);
    EXPECT_EQ(must_extract("/* " + block(valid_attrs("550e8400e29b41d4a716446655440000")) + " */")
                  .id.str(),
              kId);
}

// ---- validation --------------------------------------------------------------------------------

TEST(Validation, MissingIdAndIdempotentListedTogether) {
    const MetadataProblem p = must_fail("SELECT 1;\n/*\n<pgmi-meta>\n</pgmi-meta> */");
    EXPECT_TRUE(p.validation);
    EXPECT_EQ(p.line, 3u);
    EXPECT_EQ(p.text,
              "invalid PGMI metadata in ./x.sql (line 3):\n"
              "  1. id attribute is required and cannot be the nil UUID "
              "(00000000-0000-0000-0000-000000000000).\n"
              "  Each script must have a unique identifier.\n"
              "  Generate with: uuidgen (Linux/Mac), [guid]::NewGuid() (PowerShell), or "
              "https://www.uuidgenerator.net/\n"
              "  2. idempotent attribute is required (idempotent=\"true\" or "
              "idempotent=\"false\").\n"
              "  true: the script is safe to rerun every deploy (CREATE OR REPLACE, IF NOT "
              "EXISTS).\n"
              "  false: the script runs once per id (tracked one-time migration).");
}

TEST(Validation, NilId) {
    const MetadataProblem p =
        must_fail("/* " + block(valid_attrs("00000000-0000-0000-0000-000000000000")) + " */");
    EXPECT_TRUE(p.validation);
    EXPECT_NE(p.text.find("  1. id attribute is required and cannot be the nil UUID"),
              std::string::npos);
    EXPECT_EQ(p.text.find("  2."), std::string::npos);
}

TEST(Validation, BlankKeysByIndexAndWhitespaceDescription) {
    const MetadataProblem p =
        must_fail("/* " +
                  block(valid_attrs(),
                        "<sortKeys><key>a</key><key></key><key> \t</key><key>\xC2\xA0</key>"
                        "</sortKeys><description> \n </description>") +
                  " */");
    EXPECT_NE(p.text.find("  1. sortKeys[1] cannot be empty or whitespace-only.\n  Provide "
                          "meaningful sort keys for execution ordering.\n  Recommended format: "
                          "\"phase/sequence\" (e.g., \"10-utils/0010\", \"30-core/2000\")"),
              std::string::npos)
        << p.text;
    EXPECT_NE(p.text.find("  2. sortKeys[2] cannot be empty"), std::string::npos);
    // U+00A0 is white space to the reference (unicode.IsSpace).
    EXPECT_NE(p.text.find("  3. sortKeys[3] cannot be empty"), std::string::npos);
    EXPECT_NE(p.text.find("  4. description element contains only whitespace.\n  Consider "
                          "removing it or providing a meaningful description."),
              std::string::npos);
}

TEST(Validation, EmptyOrAbsentKeysAndEmptyDescriptionAreValid) {
    EXPECT_TRUE(must_extract("/* " + block(valid_attrs()) + " */").sort_keys.empty());
    EXPECT_TRUE(must_extract("/* " + block(valid_attrs(), "<sortKeys/><description/>") + " */")
                    .sort_keys.empty());
}

// ---- duplicates and the combined error ---------------------------------------------------------

TEST(Duplicates, EveryPathOfEverySharedIdInOrder) {
    const Uuid a = *parse_uuid("22222222-0000-0000-0000-000000000000");
    const Uuid b = *parse_uuid("11111111-0000-0000-0000-000000000000");
    const Uuid c = *parse_uuid("33333333-0000-0000-0000-000000000000");
    const std::vector<std::pair<std::string, Uuid>> uses = {{"./z.sql", a}, {"./b.sql", b},
                                                            {"./a.sql", a}, {"./m.sql", a},
                                                            {"./c.sql", c}, {"./a/b.sql", b}};
    const auto dups = find_duplicate_ids(uses);
    ASSERT_EQ(dups.size(), 2u);
    EXPECT_EQ(dups[0].id, b);
    EXPECT_EQ(dups[0].paths, (std::vector<std::string>{"./a/b.sql", "./b.sql"}));
    EXPECT_EQ(dups[1].id, a);
    EXPECT_EQ(dups[1].paths, (std::vector<std::string>{"./a.sql", "./m.sql", "./z.sql"}));
    EXPECT_EQ(duplicate_ids_text(dups),
              "duplicate <pgmi-meta id> across files; each script must have a unique id:\n"
              "  11111111-0000-0000-0000-000000000000: ./a/b.sql, ./b.sql\n"
              "  22222222-0000-0000-0000-000000000000: ./a.sql, ./m.sql, ./z.sql");
}

TEST(CombinedError, OneProblemReadsAsItself) {
    MetadataProblem p{"./a.sql", 2, "metadata error in ./a.sql (line 2): boom\n\nHint: h", false};
    const Error e = metadata_error({p}, {});
    EXPECT_EQ(e.kind, ErrorKind::Config);
    EXPECT_EQ(e.message,
              "metadata error in ./a.sql (line 2): boom\n\nHint: h\n: invalid configuration");
}

TEST(CombinedError, ListsEveryProblemThenDuplicatesThenDocs) {
    MetadataProblem s{"./a.sql", 2, "metadata error in ./a.sql (line 2): boom\n\nHint: h", false};
    MetadataProblem v{"./b.sql", 1, "invalid PGMI metadata in ./b.sql (line 1):\n  1. x", true};
    DuplicateId d{*parse_uuid(kId), {"./c.sql", "./d.sql"}};
    const Error e = metadata_error({s, v}, {d});
    EXPECT_EQ(e.message,
              "3 metadata problems:\n\n"
              "metadata error in ./a.sql (line 2): boom\n\nHint: h\n\n"
              "invalid PGMI metadata in ./b.sql (line 1):\n  1. x\n\n"
              "duplicate <pgmi-meta id> across files; each script must have a unique id:\n"
              "  550e8400-e29b-41d4-a716-446655440000: ./c.sql, ./d.sql\n\n"
              "See metadata format documentation:\n"
              "  Reference: docs/METADATA.md, or run `pgmi ai skill pgmi-metadata-system`\n"
              "  Generate template: pgmi metadata scaffold <path>\n"
              ": invalid configuration");
}

// ---- through the scanner -----------------------------------------------------------------------

class Project : public ::testing::Test {
  protected:
    Project() {
        std::string tmpl = (fs::temp_directory_path() / "pgmi-meta-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            ADD_FAILURE() << "mkdtemp failed";
        root_ = tmpl;
        write("deploy.sql", "SELECT 1;\n");
    }
    ~Project() override {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
    void write(const std::string& rel, const std::string& content) const {
        const fs::path p = root_ / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    }
    fs::path root_;
};

TEST_F(Project, MetadataAttachedToSqlFilesOnly) {
    write("a.sql", "/* " + block(valid_attrs(), "<sortKeys><key>k</key></sortKeys>") + " */");
    write("b.SQL", "SELECT 1;");
    write("notes.txt", "/* " + block(valid_attrs("bad")) + " */");         // not SQL: never parsed
    write("__test__/t.sql", "/* <pgmi:meta> */ /* " + block("") + " */");  // tests: ignored
    auto p = scan(root_);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->files.size(), 3u);
    EXPECT_EQ(p->files[0].path, "./a.sql");
    ASSERT_TRUE(p->files[0].metadata);
    EXPECT_EQ(p->files[0].metadata->sort_keys, std::vector<std::string>{"k"});
    EXPECT_FALSE(p->files[1].metadata);
    EXPECT_FALSE(p->files[2].metadata);
    EXPECT_EQ(p->tests.size(), 1u);
}

TEST_F(Project, EveryProblemOfEveryFileInOneError) {
    write("a/one.sql", "/* <pgmi:meta> */");
    write("b.sql", "SELECT 1;\n/* " + block("id=\"" + std::string(kId) + "\"") + " */");
    write("c.sql", "/* " + block(valid_attrs("11111111-1111-1111-1111-111111111111")) + " */");
    write("d.sql", "/* " + block(valid_attrs("11111111-1111-1111-1111-111111111111")) + " */");
    write("ok.sql", "/* " + block(valid_attrs()) + " */");
    auto p = scan(root_);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().kind, ErrorKind::Config);
    const std::string& m = p.error().message;
    EXPECT_EQ(
        m.rfind("3 metadata problems:\n\nmetadata error in ./a/one.sql (line 1): Found old", 0), 0u)
        << m;
    EXPECT_NE(m.find("invalid PGMI metadata in ./b.sql (line 2):\n  1. idempotent attribute"),
              std::string::npos);
    EXPECT_NE(m.find("  11111111-1111-1111-1111-111111111111: ./c.sql, ./d.sql\n"),
              std::string::npos);
    EXPECT_EQ(m.substr(m.size() - 24), "\n: invalid configuration");
}

TEST_F(Project, NonFatalModeKeepsProblemsInTheProject) {
    write("a.sql", "/* <pgmi:meta> */");
    write("b.sql", "/* " + block(valid_attrs()) + " */");
    write("c.sql", "/* " + block(valid_attrs()) + " */");
    ScanOptions options;
    options.metadata_errors_fatal = false;
    auto p = scan(root_, options);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->metadata_problems.size(), 1u);
    EXPECT_EQ(p->metadata_problems[0].path, "./a.sql");
    ASSERT_EQ(p->duplicate_ids.size(), 1u);
    EXPECT_EQ(p->duplicate_ids[0].paths, (std::vector<std::string>{"./b.sql", "./c.sql"}));
}

TEST_F(Project, WalkErrorsStillWinOverMetadataProblems) {
    write("a.sql", "/* <pgmi:meta> */");
    write("b.sql", std::string("x\0y", 3));
    auto p = scan(root_);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("./b.sql contains a NUL byte"), std::string::npos)
        << p.error().message;
}

TEST_F(Project, DeploySqlOptionalWhenNotRead) {
    fs::remove(root_ / "deploy.sql");
    EXPECT_EQ(scan(root_).error().kind, ErrorKind::ProjectMissing);
    ScanOptions options;
    options.read_deploy_sql = false;
    auto p = scan(root_, options);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->deploy_sql, "");
}

}  // namespace
}  // namespace pgmi::project
