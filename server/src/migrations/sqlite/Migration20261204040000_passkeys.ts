import { Migration } from '@mikro-orm/migrations';

/** Passkeys (WebAuthn credentials) and their single-use challenges. */
export class Migration20261204040000_passkeys extends Migration {
  override up(): void {
    this.addSql("create table `passkeys` (`id` text not null primary key, `user_id` text not null, `credential_id` text not null, `public_key` text not null, `counter` bigint not null, `transports` text null, `name` text not null, `created_at` datetime not null, `last_used_at` datetime null, constraint `passkeys_user_id_foreign` foreign key (`user_id`) references `users` (`id`) on delete cascade);");
    this.addSql("create index `passkeys_user_id_index` on `passkeys` (`user_id`);");
    this.addSql("create unique index `passkeys_credential_id_unique` on `passkeys` (`credential_id`);");
    this.addSql("create table `webauthn_challenges` (`id` text not null primary key, `challenge` text not null, `purpose` text not null, `user_id` text null, `expires_at` datetime not null);");
    this.addSql("create unique index `webauthn_challenges_challenge_unique` on `webauthn_challenges` (`challenge`);");
    this.addSql("create index `webauthn_challenges_expires_at_index` on `webauthn_challenges` (`expires_at`);");
  }
}
