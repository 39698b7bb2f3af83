//! Rocket Internet Seller Center: item statuses uploaded through the OMS API.
