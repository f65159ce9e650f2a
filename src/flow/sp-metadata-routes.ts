import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.js';
import { buildSpMetadata } from '../connectors/saml/sp-metadata.js';
import type { SpSigningKey } from '../connectors/saml/sp-signing-key.js';
import { GatehouseError } from '../errors/gatehouse-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Gatehouse's SP metadata, for the admin to upload at the upstream IdP (IAM Identity Center: "Upload application
 * SAML metadata file"): once for the deployment, and per SAML login method (which adds its sign_request choice).
 */
export function registerSpMetadataRoutes(app: FastifyInstance, ctx: AppContext, spKey: SpSigningKey): void {
  const send = async (reply: FastifyReply, authnRequestsSigned: boolean) => {
    const { certificatePem } = await spKey.get();
    const xml = buildSpMetadata({ entityId: ctx.urls.samlSpEntityId, acsUrl: ctx.urls.callback, certificatePem, authnRequestsSigned });
    return reply
      .header('content-type', 'application/samlmetadata+xml; charset=utf-8')
      .header('content-disposition', 'inline; filename="gatehouse_sp_metadata.xml"')
      .send(xml);
  };

  app.get('/cdn-cgi/access/saml-metadata', async (_req, reply) => send(reply, false));

  app.get<{ Params: { idpId: string } }>('/cdn-cgi/access/:idpId/saml-metadata', async (req, reply) => {
    const idp = UUID.test(req.params.idpId) ? await ctx.store.idps.get(req.params.idpId) : undefined;
    if (!idp || idp.type !== 'saml') throw new GatehouseError('CONNECTOR_NOT_FOUND', { detail: `no SAML login method ${req.params.idpId.slice(0, 80)}` });
    return send(reply, idp.config.signRequest);
  });
}
