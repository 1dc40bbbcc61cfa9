//! One macro for every RPC of a protocol feature this runtime does not offer
//! (resource identity, moves, config generation, ephemeral and list
//! resources, state stores, actions).
//!
//! It expands inside the `#[async_trait]` impl of `ProviderRpc`. The
//! attribute rewrites `async fn`s before macros expand, so the macro emits
//! the rewritten shape itself: a plain `fn` returning a boxed future with the
//! attribute's lifetimes.
//!
//! Arms:
//! - `error rpc: module (summary, detail), ...` — answers with that error;
//! - `unknown "kind": rpc: module.field, ...` — "Unknown <kind> type" for the
//!   type named by the request's `field` (the provider declares none);
//! - `stream rpc: module -> Assoc = module::Item (message), ...` — a
//!   streaming RPC answered `UNIMPLEMENTED`, with its associated stream type.
//!
//! Some responses hold only `diagnostics`, others more: the struct update
//! fills the rest and is a no-op for the former (hence the clippy allow).

macro_rules! unsupported {
    (error $( $rpc:ident: $module:ident ($summary:literal, $detail:literal) ),+ $(,)?) => { $(
        #[allow(clippy::needless_update)]
        fn $rpc<'life0, 'async_trait>(
            &'life0 self,
            _request: Request<pb::$module::Request>,
        ) -> BoxedRpc<'async_trait, pb::$module::Response>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let diagnostics = Diagnostics::error($summary, $detail).to_proto();
            Box::pin(async move {
                Ok(Response::new(pb::$module::Response {
                    diagnostics,
                    ..Default::default()
                }))
            })
        }
    )+ };
    (unknown $kind:literal: $( $rpc:ident: $module:ident . $field:ident ),+ $(,)?) => { $(
        #[allow(clippy::needless_update)]
        fn $rpc<'life0, 'async_trait>(
            &'life0 self,
            request: Request<pb::$module::Request>,
        ) -> BoxedRpc<'async_trait, pb::$module::Response>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            let diagnostics = unknown_type($kind, &request.into_inner().$field).to_proto();
            Box::pin(async move {
                Ok(Response::new(pb::$module::Response {
                    diagnostics,
                    ..Default::default()
                }))
            })
        }
    )+ };
    (stream $( $rpc:ident: $module:ident -> $assoc:ident = $item:ident :: $item_type:ident ($message:literal) ),+ $(,)?) => { $(
        type $assoc = Stream<pb::$item::$item_type>;

        fn $rpc<'life0, 'async_trait>(
            &'life0 self,
            _request: Request<pb::$module::Request>,
        ) -> BoxedRpc<'async_trait, Self::$assoc>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(async move { Err(Status::unimplemented($message)) })
        }
    )+ };
}
