COMMIT; SELECT 'a;b', E'c\';d', "e;f", $$g;h$$, $t$i;$t$ /* j; /* k; */ l; */ -- m;
;