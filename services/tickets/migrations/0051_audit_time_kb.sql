-- Audit capture for weekly timesheets and the knowledge base (psa-kit `enable_audit`).
select enable_audit('timesheets', id_column => 'user_id');
select enable_audit('kb_categories');
-- views and the derived search document are not changes anyone made
select enable_audit('kb_articles', ignored => '{view_count,search}');
select enable_audit('kb_ratings', id_column => 'article_id');
select exempt_from_audit('kb_article_versions', 'the version history of audited articles, itself a record of edits');
