begin;
select (1;2);
rollback to savepoint s;
commit prepared 'x';
prepare transaction 'g';
select 1);select (2;
