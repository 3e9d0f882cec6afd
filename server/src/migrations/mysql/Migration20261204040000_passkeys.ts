import { Migration } from '@mikro-orm/migrations';

/**
 * Passkeys (WebAuthn credentials) and their single-use challenges. Credential ids and challenges
 * are base64url, where case matters: they compare byte for byte (utf8mb4_bin).
 */
export class Migration20261204040000_passkeys extends Migration {
  override up(): void {
    this.addSql("create table `passkeys` (`id` varchar(36) not null, `user_id` varchar(36) not null, `credential_id` varchar(255) character set utf8mb4 collate utf8mb4_bin not null, `public_key` text not null, `counter` bigint not null, `transports` varchar(255) null, `name` varchar(64) not null, `created_at` datetime(3) not null, `last_used_at` datetime(3) null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `passkeys` add index `passkeys_user_id_index` (`user_id`);");
    this.addSql("alter table `passkeys` add unique `passkeys_credential_id_unique` (`credential_id`);");
    this.addSql("create table `webauthn_challenges` (`id` varchar(36) not null, `challenge` varchar(128) character set utf8mb4 collate utf8mb4_bin not null, `purpose` varchar(16) not null, `user_id` varchar(36) null, `expires_at` datetime(3) not null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;");
    this.addSql("alter table `webauthn_challenges` add unique `webauthn_challenges_challenge_unique` (`challenge`);");
    this.addSql("alter table `webauthn_challenges` add index `webauthn_challenges_expires_at_index` (`expires_at`);");
    this.addSql("alter table `passkeys` add constraint `passkeys_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade;");
  }
}
