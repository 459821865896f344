-- header
/* ordinary /* nested */ comment */
SELECT '/* <pgmi-meta id="x"> */', $fn$ /* <pgmi-meta> */ $fn$, "/*";
/* notes <!-- c --> <?pi x?>
<m:pgmi-meta xmlns:m="u" id="{550E8400-E29B-41D4-A716-446655440001}" idempotent=" True ">
  <description><![CDATA[ <raw> & ]]> &lt;b&gt; &#65;&#x42;</description>
  <sortKeys><key> k </key></sortKeys><sortKeys><key>k2</key></sortKeys>
</m:pgmi-meta> trailing <pgmi-meta > text & junk
*/
