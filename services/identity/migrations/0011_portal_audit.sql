-- Audit capture of the invitation and password-reset links (issuing and use show in the audit
-- log; the token hash is redacted by psa-kit's enable_audit). The portal columns of `users`
-- are captured by its existing trigger.
select enable_audit('user_tokens', redacted => '{token_hash}', id_column => 'user_id');
