/** What an addr-spec minimally looks like; anything else is not an email Gatehouse will key policies or NameIDs on. */
export const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;
