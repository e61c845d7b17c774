//! Generated code for the PSA protobuf API (`proto/`), and the descriptor set the gateway
//! transcodes REST from and the services read access rules from.
#![allow(clippy::all, missing_docs)]

use std::sync::LazyLock;

use prost_reflect::DescriptorPool;

/// Encoded `google.protobuf.FileDescriptorSet` of every file in `proto/` and its imports.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/psa_descriptor.bin"));

/// The descriptor pool decoded from [`FILE_DESCRIPTOR_SET`], with the `psa.api.v1` options.
pub static DESCRIPTOR_POOL: LazyLock<DescriptorPool> =
    LazyLock::new(|| DescriptorPool::decode(FILE_DESCRIPTOR_SET).expect("descriptor set built by build.rs decodes"));

pub mod psa {
    pub mod api {
        pub mod v1 {
            tonic::include_proto!("psa.api.v1");
        }
    }
    pub mod identity {
        pub mod v1 {
            tonic::include_proto!("psa.identity.v1");
        }
    }
    pub mod contracts {
        pub mod v1 {
            tonic::include_proto!("psa.contracts.v1");
        }
    }
    pub mod tickets {
        pub mod v1 {
            tonic::include_proto!("psa.tickets.v1");
        }
    }
    pub mod events {
        pub mod v1 {
            tonic::include_proto!("psa.events.v1");
        }
    }
    pub mod export {
        pub mod v1 {
            tonic::include_proto!("psa.export.v1");
        }
    }
}

pub use psa::{
    api::v1 as api, contracts::v1 as contracts, events::v1 as events, export::v1 as export, identity::v1 as identity,
    tickets::v1 as tickets,
};
