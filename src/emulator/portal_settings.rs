//! The portal's settings a link depends on: `GET /api/2.0/files/settings` (sharing: may links
//! be public, are they internal by default) and `GET /api/2.0/settings/security/password` (the
//! password policy a link password meets). Both are seedable (`filesSettings`,
//! `passwordSettings`) and set by `Emulator::set_sharing` and `Emulator::set_password_policy`.

use super::context::Ctx;
use super::envelope::Success;
use crate::links::CUT_ASCII_REGEX;
use axum::response::Response;
use serde_json::json;

/// `GET /api/2.0/files/settings` (`[AllowAnonymous]`, products/ASC.Files/Server/Api/
/// SettingsController.cs L216-221; `FilesSettingsDto` L257, L403, L415, L484-509): the sharing
/// fields, among the many a portal adds.
pub(crate) async fn files_settings(ctx: Ctx) -> Response {
    let sharing = ctx.shared.read(|state| state.sharing);
    ctx.respond(Ok(Success::one(json!({
        "externalShare": sharing.external_share,
        "externalShareApplyToRooms": sharing.external_share_apply_to_rooms,
        "externalShareApplyToDocuments": true,
        "blockExistingLinksOnRestrict": false,
        "defaultShareLinkInternal": sharing.default_share_link_internal,
        "storeOriginalFiles": true,
    }))))
}

/// `GET /api/2.0/settings/security/password` (any signed-in caller; web/ASC.Web.Api/Api/
/// Settings/SecurityController.cs L149-157, `PasswordSettingsDto`).
pub(crate) async fn password_settings(ctx: Ctx) -> Response {
    let result = ctx.require_user().map(|_| {
        let policy = ctx.shared.read(|state| state.password_policy);
        let (allowed, special) = if policy.ascii_cut {
            (CUT_ASCII_REGEX, r##"(?=.*[!"#$%&()*+,.:;<>?@^_{}~])"##)
        } else {
            (r"[\x21-\x7E]", r"(?=.*[\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E])")
        };
        Success::one(json!({
            "minLength": policy.min_length,
            "upperCase": policy.upper_case,
            "digits": policy.digits,
            "specSymbols": policy.spec_symbols,
            "allowedCharactersRegexStr": allowed,
            "digitsRegexStr": r"(?=.*\d)",
            "upperCaseRegexStr": "(?=.*[A-Z])",
            "specSymbolsRegexStr": special,
        }))
    });
    ctx.respond(result)
}
