"""Delivery channels: e-mail, chat robots, a generic webhook and SMS, behind one interface."""

from .base import CHANNEL_KINDS, Channel, DeliveryError, Message, get_channel

__all__ = ["CHANNEL_KINDS", "Channel", "DeliveryError", "Message", "get_channel"]
