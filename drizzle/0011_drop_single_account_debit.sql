-- Every debit goes through ledger_debit_many (group commit across accounts); keep one
-- definition of the debit rules in the database.
DROP FUNCTION ledger_debit(integer, text, bigint[], text[], text[]);
