//! The API key the client holds: whether the token is one, and what `GET /api/2.0/keys/@self`
//! says of it (`products/ASC.People/Server/Api/ApiKeysController.cs` L163-173, DocSpace-server
//! v3.7.2). Never asked with a login token: the portal answers that with a 500.

use super::client::Portal;
use super::error::ApiError;
use secrecy::ExposeSecret;
use serde::Deserialize;

/// An API key as the portal describes it to its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnKey {
    /// Its scopes; none means every scope.
    pub(crate) permissions: Vec<String>,
    /// When it stops working (Unix seconds); `None` for never.
    pub(crate) expires_at: Option<i64>,
}

/// `ApiKeyResponseDto`, the fields read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyDto {
    #[serde(default)]
    permissions: Vec<String>,
    /// Omitted when the key never expires.
    #[serde(default)]
    expires_at: Option<String>,
}

impl Portal {
    /// Whether the token is an API key: the portal takes `Bearer sk-…` as one and limits it to
    /// its scopes (`common/ASC.Api.Core/Core/BaseStartup.cs` L546-549); anything else is a
    /// login token, which may do whatever its user may.
    pub(crate) fn uses_api_key(&self) -> bool {
        self.config().token.expose_secret().starts_with("sk-")
    }

    /// The key this client holds, read from the portal.
    pub(crate) async fn own_key(&self) -> Result<OwnKey, ApiError> {
        const PATH: &str = "/api/2.0/keys/@self";
        let (dto, _): (KeyDto, _) = self.get_typed(PATH, &[]).await?;
        let expires_at = match dto.expires_at {
            None => None,
            Some(text) => {
                Some(crate::time::parse_date_time(&text).ok_or_else(|| ApiError::Malformed {
                    request: format!("GET {PATH}"),
                    status: 200,
                    detail: format!("`expiresAt` `{}` is not a date", crate::text::escape(&text)),
                })?)
            }
        };
        Ok(OwnKey { permissions: dto.permissions, expires_at })
    }
}
